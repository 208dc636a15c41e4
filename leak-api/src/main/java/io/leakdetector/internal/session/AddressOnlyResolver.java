package io.leakdetector.internal.session;

import io.leakdetector.Frame;
import io.leakdetector.spi.ModuleMapping;
import io.leakdetector.spi.SymbolResolver;

/**
 * Used when no symbol resolver works here: frames print as {@code [unknown]!0xADDR}. Kernel
 * addresses (the upper half of a 64-bit address space) are still marked as such, so that they are
 * dropped unless asked for.
 */
final class AddressOnlyResolver implements SymbolResolver {
  @Override
  public Frame resolve(long address) {
    return Frame.unknown(address, address < 0);
  }

  @Override
  public void onModuleMapped(ModuleMapping mapping) {}

  @Override
  public void close() {}
}
