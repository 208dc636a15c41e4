package io.leakdetector.cli;

/** The entry point of {@code bin/leakdetector}. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    int code = new Cli(System.out, System.err, System.getenv(), StopRequests::install).run(args);
    System.out.flush();
    System.exit(code);
  }
}
