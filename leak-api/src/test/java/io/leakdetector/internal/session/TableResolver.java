package io.leakdetector.internal.session;

import io.leakdetector.Frame;
import io.leakdetector.TargetProcess;
import io.leakdetector.spi.Availability;
import io.leakdetector.spi.ModuleMapping;
import io.leakdetector.spi.SymbolOptions;
import io.leakdetector.spi.SymbolResolver;
import io.leakdetector.spi.SymbolResolverProvider;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A resolver that names the addresses a test gave it, with inlined frames where the test says so;
 * every other address is unknown memory. Counts its calls, to show what a snapshot resolves.
 */
final class TableResolver implements SymbolResolver {
  private final Map<Long, List<Frame>> table = new HashMap<>();
  final List<Long> resolved = new java.util.concurrent.CopyOnWriteArrayList<>();

  /** {@code module!function+0xOFF} at {@code address}, without source information. */
  TableResolver name(long address, String module, String function, long offset) {
    table.put(address, List.of(new Frame(address, module, function, offset, false)));
    return this;
  }

  /** The frames at {@code address}, innermost (inlined) first. */
  TableResolver frames(long address, Frame... frames) {
    table.put(address, List.of(frames));
    return this;
  }

  /** A kernel frame at {@code address}. */
  TableResolver kernel(long address, String function) {
    table.put(address, List.of(new Frame(address, "[kernel]", function, 0x10, true)));
    return this;
  }

  @Override
  public Frame resolve(long address) {
    List<Frame> frames = resolveWithInlines(address);
    return frames.get(frames.size() - 1);
  }

  @Override
  public List<Frame> resolveWithInlines(long address) {
    resolved.add(address);
    return table.getOrDefault(address, List.of(Frame.unknown(address, address < 0)));
  }

  @Override
  public void onModuleMapped(ModuleMapping mapping) {}

  @Override
  public void close() {}

  /** A provider that hands out this resolver. */
  SymbolResolverProvider provider() {
    TableResolver self = this;
    return new SymbolResolverProvider() {
      @Override
      public String name() {
        return "table";
      }

      @Override
      public Availability availability() {
        return Availability.AVAILABLE;
      }

      @Override
      public SymbolResolver open(TargetProcess target, SymbolOptions options) {
        return self;
      }
    };
  }
}
