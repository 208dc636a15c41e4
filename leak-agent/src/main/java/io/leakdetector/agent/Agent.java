package io.leakdetector.agent;

import java.io.PrintStream;
import java.lang.instrument.Instrumentation;

/**
 * The Java agent: {@code java -javaagent:leakdetector-agent.jar[=KEY=VALUE,...] -jar app.jar}, or
 * loaded into a running JVM through the attach API. It reads its {@link AgentSettings}, then opens
 * a session tracing this JVM ({@code LeakDetector.builder().self()}) on a daemon thread, so that
 * the application's start is not held up. Whatever goes wrong — a bad setting, tracing not
 * permitted, no such exporter — is one sentence on standard error and the application runs on
 * without the agent: the agent never ends the application.
 */
public final class Agent {
  static final String PREFIX = "leakdetector agent: ";

  private Agent() {}

  public static void premain(String agentArgs, Instrumentation instrumentation) {
    start(agentArgs, System.err);
  }

  public static void agentmain(String agentArgs, Instrumentation instrumentation) {
    start(agentArgs, System.err);
  }

  private static void start(String agentArgs, PrintStream err) {
    AgentSettings settings;
    try {
      settings = AgentSettings.read(agentArgs, System::getProperty, System::getenv);
    } catch (RuntimeException e) {
      err.println(PREFIX + e.getMessage() + " " + AgentSession.OFF);
      return;
    }
    Thread starter = new Thread(() -> AgentSession.start(settings, err), "leakdetector-agent");
    starter.setDaemon(true);
    starter.start();
  }
}
