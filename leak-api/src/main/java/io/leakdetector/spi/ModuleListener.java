package io.leakdetector.spi;

/** Told of modules the target maps while it is traced, so their addresses can be resolved. */
@FunctionalInterface
public interface ModuleListener {
  /** A file was mapped. Called from the source's thread; must not block for long. */
  void onModuleMapped(ModuleMapping mapping);

  ModuleListener NONE = mapping -> {};
}
