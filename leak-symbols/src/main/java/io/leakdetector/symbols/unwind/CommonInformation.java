package io.leakdetector.symbols.unwind;

/**
 * A Common Information Entry (CIE) of a frame section: what its frame descriptions share.
 *
 * @param offset where the entry starts in its section
 * @param version 1 or 3 ({@code .eh_frame}), 1, 3 or 4 ({@code .debug_frame})
 * @param augmentation the augmentation string ({@code "zR"}, {@code "zPLR"}, …)
 * @param codeAlignment the factor of every {@code advance_loc}
 * @param dataAlignment the factor of every factored offset (−8 on x86-64)
 * @param raColumn the column that holds the return address (16 on x86-64, 30 on aarch64)
 * @param fdeEncoding the {@code DW_EH_PE_*} encoding of addresses in its frame descriptions, or −1
 *     for plain addresses of {@code addressSize} bytes ({@code .debug_frame})
 * @param addressSize bytes of a plain address
 * @param hasAugmentationData whether frame descriptions carry augmentation data ({@code z})
 * @param signalFrame whether its frames are signal frames ({@code S})
 * @param instructionsStart where its initial instructions start in the section
 * @param instructionsEnd where they end (the end of the entry)
 */
record CommonInformation(
    int offset,
    int version,
    String augmentation,
    long codeAlignment,
    long dataAlignment,
    int raColumn,
    int fdeEncoding,
    int addressSize,
    boolean hasAugmentationData,
    boolean signalFrame,
    int instructionsStart,
    int instructionsEnd) {}
