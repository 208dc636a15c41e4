package io.leakdetector.symbols.demangle;

/**
 * Rust's v0 symbol mangling ({@code _R…}, RFC 2603 and its later extensions for constants), printed
 * the way {@code c++filt -i} and {@code rustc-demangle}'s {@code {:#}} form print it: without crate
 * hashes, without integer type suffixes, with any {@code .suffix} left off.
 *
 * <p>One recursive-descent pass parses and prints. Impl paths ({@code M}, {@code X}) and the
 * instantiating crate are parsed without printing. Back references re-read an earlier position of
 * the symbol; each one points strictly backwards, so they end, but they can multiply the output: it
 * is capped at {@link #MAX_OUTPUT} characters, and nesting at {@link #MAX_DEPTH} (beyond either the
 * symbol is shown mangled).
 */
final class RustV0Demangler {
  static final int MAX_DEPTH = 500;
  static final int MAX_OUTPUT = 1 << 20;

  private final String sym;
  private int pos;
  private StringBuilder out;
  private int depth;
  private int boundLifetimes;

  private RustV0Demangler(String sym) {
    this.sym = sym;
    this.out = new StringBuilder(sym.length() * 2);
  }

  /** The demangled name, or null when {@code symbol} is not a valid v0 symbol. */
  static String demangle(String symbol) {
    if (!symbol.startsWith("_R")) {
      return null;
    }
    int end = symbol.indexOf('.');
    String body = symbol.substring(2, end < 0 ? symbol.length() : end);
    if (body.isEmpty() || isDigit(body.charAt(0))) {
      return null; // an encoding version other than the implicit 0
    }
    for (int i = 0; i < body.length(); i++) {
      char c = body.charAt(i);
      if (!(c == '_' || isDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) {
        return null;
      }
    }
    RustV0Demangler demangler = new RustV0Demangler(body);
    try {
      demangler.path(true);
      if (demangler.pos < body.length() && isUpper(body.charAt(demangler.pos))) {
        demangler.skipping(() -> demangler.path(false)); // the instantiating crate
      }
      return demangler.pos == body.length() ? demangler.out.toString() : null;
    } catch (Invalid e) {
      return null;
    }
  }

  // Paths.

  private void path(boolean inValue) {
    enter();
    char tag = next();
    switch (tag) {
      case 'C' -> {
        disambiguator();
        print(ident());
      }
      case 'M' -> {
        implPath();
        print("<");
        type();
        print(">");
      }
      case 'X' -> {
        implPath();
        print("<");
        type();
        print(" as ");
        path(false);
        print(">");
      }
      case 'Y' -> {
        print("<");
        type();
        print(" as ");
        path(false);
        print(">");
      }
      case 'N' -> nested(inValue);
      case 'I' -> {
        path(inValue);
        print(inValue ? "::<" : "<");
        list(this::genericArg, ", ");
        print(">");
      }
      case 'B' -> backref(() -> path(inValue));
      default -> throw Invalid.INSTANCE;
    }
    leave();
  }

  private void nested(boolean inValue) {
    char namespace = next();
    if (!isUpper(namespace) && !(namespace >= 'a' && namespace <= 'z')) {
      throw Invalid.INSTANCE;
    }
    path(inValue);
    long disambiguator = disambiguator();
    Ident name = ident();
    if (isUpper(namespace)) {
      print("::{");
      print(namespace == 'C' ? "closure" : namespace == 'S' ? "shim" : String.valueOf(namespace));
      if (!name.isEmpty()) {
        print(":");
        print(name);
      }
      print("#");
      print(Long.toUnsignedString(disambiguator));
      print("}");
    } else if (!name.isEmpty()) {
      print("::");
      print(name);
    }
  }

  /** An impl's own path, which says where the impl is, not what it is: never printed. */
  private void implPath() {
    disambiguator();
    skipping(() -> path(false));
  }

  private void genericArg() {
    if (eat('L')) {
      lifetime(base62());
    } else if (eat('K')) {
      constant(false);
    } else {
      type();
    }
  }

  // Types.

  private void type() {
    char tag = next();
    String basic = basicType(tag);
    if (basic != null) {
      print(basic);
      return;
    }
    enter();
    switch (tag) {
      case 'R', 'Q' -> {
        print("&");
        if (eat('L')) {
          long lifetime = base62();
          if (lifetime != 0) {
            lifetime(lifetime);
            print(" ");
          }
        }
        if (tag == 'Q') {
          print("mut ");
        }
        type();
      }
      case 'P' -> {
        print("*const ");
        type();
      }
      case 'O' -> {
        print("*mut ");
        type();
      }
      case 'A' -> {
        print("[");
        type();
        print("; ");
        constant(true);
        print("]");
      }
      case 'S' -> {
        print("[");
        type();
        print("]");
      }
      case 'T' -> {
        print("(");
        if (list(this::type, ", ") == 1) {
          print(",");
        }
        print(")");
      }
      case 'F' -> binder(this::fnSig);
      case 'D' -> {
        print("dyn ");
        binder(() -> list(this::dynTrait, " + "));
        expect('L');
        long lifetime = base62();
        if (lifetime != 0) {
          print(" + ");
          lifetime(lifetime);
        }
      }
      case 'B' -> backref(this::type);
      default -> {
        pos--;
        path(false);
      }
    }
    leave();
  }

  private static String basicType(char tag) {
    return switch (tag) {
      case 'a' -> "i8";
      case 'b' -> "bool";
      case 'c' -> "char";
      case 'd' -> "f64";
      case 'e' -> "str";
      case 'f' -> "f32";
      case 'h' -> "u8";
      case 'i' -> "isize";
      case 'j' -> "usize";
      case 'l' -> "i32";
      case 'm' -> "u32";
      case 'n' -> "i128";
      case 'o' -> "u128";
      case 'p' -> "_";
      case 's' -> "i16";
      case 't' -> "u16";
      case 'u' -> "()";
      case 'v' -> "...";
      case 'x' -> "i64";
      case 'y' -> "u64";
      case 'z' -> "!";
      default -> null;
    };
  }

  private void fnSig() {
    boolean isUnsafe = eat('U');
    String abi = null;
    if (eat('K')) {
      if (eat('C')) {
        abi = "C";
      } else {
        Ident name = ident();
        if (name.ascii().isEmpty() || !name.punycode().isEmpty()) {
          throw Invalid.INSTANCE;
        }
        abi = name.ascii().replace('_', '-'); // the mangler wrote "C-unwind" as "C_unwind"
      }
    }
    if (isUnsafe) {
      print("unsafe ");
    }
    if (abi != null) {
      print("extern \"");
      print(abi);
      print("\" ");
    }
    print("fn(");
    list(this::type, ", ");
    print(")");
    if (!eat('u')) {
      print(" -> ");
      type();
    }
  }

  private void dynTrait() {
    boolean open = pathMaybeOpenGenerics();
    while (eat('p')) {
      print(open ? ", " : "<");
      open = true;
      print(ident());
      print(" = ");
      type();
    }
    if (open) {
      print(">");
    }
  }

  /** A trait path whose generic list stays open for associated type bindings. */
  private boolean pathMaybeOpenGenerics() {
    if (eat('B')) {
      boolean[] open = new boolean[1];
      backref(() -> open[0] = pathMaybeOpenGenerics());
      return open[0];
    }
    if (eat('I')) {
      path(false);
      print("<");
      list(this::genericArg, ", ");
      return true;
    }
    path(false);
    return false;
  }

  // Lifetimes.

  /** {@code for<'a, …> } before {@code body} when the binder binds lifetimes. */
  private void binder(Runnable body) {
    long count = eat('G') ? checkedIncrement(base62()) : 0;
    if (out == null) {
      body.run();
      return;
    }
    if (count > 0) {
      if (count > MAX_DEPTH) {
        throw Invalid.INSTANCE;
      }
      print("for<");
      for (long i = 0; i < count; i++) {
        if (i > 0) {
          print(", ");
        }
        boundLifetimes++;
        lifetime(1);
      }
      print("> ");
    }
    body.run();
    boundLifetimes -= (int) count;
  }

  private void lifetime(long index) {
    if (out == null) {
      return;
    }
    print("'");
    if (index == 0) {
      print("_");
      return;
    }
    long depthOfBinding = boundLifetimes - index;
    if (index < 0 || depthOfBinding < 0) {
      throw Invalid.INSTANCE;
    }
    if (depthOfBinding < 26) {
      print(String.valueOf((char) ('a' + depthOfBinding)));
    } else {
      print("_" + depthOfBinding);
    }
  }

  // Constants.

  private void constant(boolean inValue) {
    char tag = next();
    enter();
    boolean braced = false;
    switch (tag) {
      case 'p' -> print("_");
      case 'h', 't', 'm', 'y', 'o', 'j' -> unsignedValue();
      case 'a', 's', 'l', 'x', 'n', 'i' -> {
        if (eat('n')) {
          print("-");
        }
        unsignedValue();
      }
      case 'b' -> {
        Long value = hexNibbles().value();
        if (value == null || (value != 0 && value != 1)) {
          throw Invalid.INSTANCE;
        }
        print(value == 1 ? "true" : "false");
      }
      case 'c' -> {
        Long value = hexNibbles().value();
        if (value == null || value < 0 || value > 0xFFFF_FFFFL) {
          throw Invalid.INSTANCE;
        }
        print(RustLiterals.charLiteral(value));
      }
      case 'e' -> {
        braced = openBrace(inValue);
        print("*");
        print(stringLiteral());
      }
      case 'R', 'Q' -> {
        if (tag == 'R' && eat('e')) {
          print(stringLiteral());
        } else {
          braced = openBrace(inValue);
          print(tag == 'R' ? "&" : "&mut ");
          constant(true);
        }
      }
      case 'A' -> {
        braced = openBrace(inValue);
        print("[");
        list(() -> constant(true), ", ");
        print("]");
      }
      case 'T' -> {
        braced = openBrace(inValue);
        print("(");
        if (list(() -> constant(true), ", ") == 1) {
          print(",");
        }
        print(")");
      }
      case 'V' -> {
        braced = openBrace(inValue);
        path(true);
        switch (next()) {
          case 'U' -> {}
          case 'T' -> {
            print("(");
            list(() -> constant(true), ", ");
            print(")");
          }
          case 'S' -> {
            print(" { ");
            list(this::field, ", ");
            print(" }");
          }
          default -> throw Invalid.INSTANCE;
        }
      }
      case 'B' -> backref(() -> constant(inValue));
      default -> throw Invalid.INSTANCE;
    }
    if (braced) {
      print("}");
    }
    leave();
  }

  /** Braces around a constant expression that stands alone as a generic argument. */
  private boolean openBrace(boolean inValue) {
    if (inValue) {
      return false;
    }
    print("{");
    return true;
  }

  private void field() {
    disambiguator();
    print(ident());
    print(": ");
    constant(true);
  }

  private void unsignedValue() {
    HexNibbles hex = hexNibbles();
    Long value = hex.value();
    print(value != null ? Long.toUnsignedString(value) : "0x" + hex.digits());
  }

  private String stringLiteral() {
    String literal = RustLiterals.stringLiteral(stringBytes());
    if (literal == null) {
      throw Invalid.INSTANCE;
    }
    return literal;
  }

  private byte[] stringBytes() {
    String digits = hexNibbles().digits();
    if (digits.length() % 2 != 0) {
      throw Invalid.INSTANCE;
    }
    byte[] bytes = new byte[digits.length() / 2];
    for (int i = 0; i < bytes.length; i++) {
      bytes[i] = (byte) Integer.parseInt(digits, 2 * i, 2 * i + 2, 16);
    }
    return bytes;
  }

  /** Lower-case hex digits up to {@code _}; the value when it fits in 64 bits. */
  private record HexNibbles(String digits) {
    Long value() {
      int first = 0;
      while (first < digits.length() && digits.charAt(first) == '0') {
        first++;
      }
      if (digits.length() - first > 16) {
        return null;
      }
      return first == digits.length() ? 0L : Long.parseUnsignedLong(digits.substring(first), 16);
    }
  }

  private HexNibbles hexNibbles() {
    int start = pos;
    while (true) {
      char c = next();
      if (c == '_') {
        return new HexNibbles(sym.substring(start, pos - 1));
      }
      if (!isDigit(c) && !(c >= 'a' && c <= 'f')) {
        throw Invalid.INSTANCE;
      }
    }
  }

  // Shared pieces.

  private void backref(Runnable printer) {
    int tagPosition = pos - 1;
    long target = base62();
    if (Long.compareUnsigned(target, tagPosition) >= 0) {
      throw Invalid.INSTANCE;
    }
    if (out == null) {
      return; // a skipped part needs no validation of what it refers to
    }
    int resume = pos;
    pos = (int) target;
    enter();
    printer.run();
    leave();
    pos = resume;
  }

  /** Parses elements up to {@code E}, printing {@code separator} between them; their count. */
  private int list(Runnable element, String separator) {
    int count = 0;
    while (!eat('E')) {
      if (count > 0) {
        print(separator);
      }
      element.run();
      count++;
    }
    return count;
  }

  private Ident ident() {
    boolean punycode = eat('u');
    int length = decimal();
    eat('_');
    int start = pos;
    if (length > sym.length() - start) {
      throw Invalid.INSTANCE;
    }
    pos = start + length;
    String text = sym.substring(start, pos);
    if (!punycode) {
      return new Ident(text, "");
    }
    int separator = text.lastIndexOf('_');
    Ident ident =
        separator < 0
            ? new Ident("", text)
            : new Ident(text.substring(0, separator), text.substring(separator + 1));
    if (ident.punycode().isEmpty()) {
      throw Invalid.INSTANCE;
    }
    return ident;
  }

  /** An identifier: its ASCII part and, for a Unicode one, the Punycode deltas. */
  private record Ident(String ascii, String punycode) {
    boolean isEmpty() {
      return ascii.isEmpty() && punycode.isEmpty();
    }

    @Override
    public String toString() {
      if (punycode.isEmpty()) {
        return ascii;
      }
      String decoded = Punycode.decode(ascii, punycode);
      if (decoded != null) {
        return decoded;
      }
      return "punycode{" + (ascii.isEmpty() ? "" : ascii + "-") + punycode + "}";
    }
  }

  private int decimal() {
    char first = next();
    if (!isDigit(first)) {
      throw Invalid.INSTANCE;
    }
    int value = first - '0';
    if (value == 0) {
      return 0;
    }
    while (pos < sym.length() && isDigit(sym.charAt(pos))) {
      value = value * 10 + (sym.charAt(pos++) - '0');
      if (value > sym.length()) {
        throw Invalid.INSTANCE; // longer than the symbol: no need to count further
      }
    }
    return value;
  }

  /** {@code s<base-62>} or nothing (0). */
  private long disambiguator() {
    return eat('s') ? checkedIncrement(base62()) : 0;
  }

  /** {@code _} is 0, otherwise digits 0-9a-zA-Z then {@code _} stand for their value + 1. */
  private long base62() {
    if (eat('_')) {
      return 0;
    }
    long value = 0;
    while (true) {
      char c = next();
      if (c == '_') {
        return checkedIncrement(value);
      }
      int digit;
      if (isDigit(c)) {
        digit = c - '0';
      } else if (c >= 'a' && c <= 'z') {
        digit = 10 + c - 'a';
      } else if (isUpper(c)) {
        digit = 36 + c - 'A';
      } else {
        throw Invalid.INSTANCE;
      }
      // value * 62 + digit in unsigned 64-bit arithmetic, refusing overflow.
      if (Long.compareUnsigned(value, Long.divideUnsigned(-1L - digit, 62)) > 0) {
        throw Invalid.INSTANCE;
      }
      value = value * 62 + digit;
    }
  }

  private static long checkedIncrement(long value) {
    if (value == -1L) {
      throw Invalid.INSTANCE;
    }
    return value + 1;
  }

  private void skipping(Runnable parser) {
    StringBuilder saved = out;
    out = null;
    parser.run();
    out = saved;
  }

  private void enter() {
    if (++depth > MAX_DEPTH) {
      throw Invalid.INSTANCE;
    }
  }

  private void leave() {
    depth--;
  }

  private void print(Object text) {
    if (out == null) {
      return;
    }
    out.append(text);
    if (out.length() > MAX_OUTPUT) {
      throw Invalid.INSTANCE;
    }
  }

  private char next() {
    if (pos >= sym.length()) {
      throw Invalid.INSTANCE;
    }
    return sym.charAt(pos++);
  }

  private boolean eat(char c) {
    if (pos < sym.length() && sym.charAt(pos) == c) {
      pos++;
      return true;
    }
    return false;
  }

  private void expect(char c) {
    if (!eat(c)) {
      throw Invalid.INSTANCE;
    }
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private static boolean isUpper(char c) {
    return c >= 'A' && c <= 'Z';
  }

  /** Ends the parse of a symbol that is not valid v0; carries no stack trace. */
  private static final class Invalid extends RuntimeException {
    private static final long serialVersionUID = 1L;
    static final Invalid INSTANCE = new Invalid();

    private Invalid() {
      super(null, null, false, false);
    }
  }
}
