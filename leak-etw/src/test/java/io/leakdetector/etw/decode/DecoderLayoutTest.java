package io.leakdetector.etw.decode;

import static org.assertj.core.api.Assertions.assertThat;

import io.leakdetector.etw.win32.EtwFacts;
import io.leakdetector.etw.win32.EventHeader;
import io.leakdetector.etw.win32.EventRecord;
import io.leakdetector.etw.win32.Guid;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The offsets the decoder reads by equal mingw-w64's offsetof (x64) and the JNA structures', and
 * the heap payload offsets equal the packed payload structures compiled for x64 and for x86.
 */
class DecoderLayoutTest {

  @Test
  void eventRecordOffsetsEqualTheHeaders() {
    Map<String, Long> facts = EtwFacts.x64();
    assertThat(EventRecordOffsets.HEADER_FLAGS)
        .isEqualTo(EtwFacts.get(facts, "path__EVENT_RECORD__HEADER_FLAGS"));
    assertThat(EventRecordOffsets.THREAD_ID)
        .isEqualTo(EtwFacts.get(facts, "path__EVENT_RECORD__THREAD_ID"));
    assertThat(EventRecordOffsets.PROCESS_ID)
        .isEqualTo(EtwFacts.get(facts, "path__EVENT_RECORD__PROCESS_ID"));
    assertThat(EventRecordOffsets.TIME_STAMP)
        .isEqualTo(EtwFacts.get(facts, "path__EVENT_RECORD__TIME_STAMP"));
    assertThat(EventRecordOffsets.PROVIDER_ID)
        .isEqualTo(EtwFacts.get(facts, "path__EVENT_RECORD__PROVIDER_ID"));
    assertThat(EventRecordOffsets.VERSION)
        .isEqualTo(EtwFacts.get(facts, "path__EVENT_RECORD__VERSION"));
    assertThat(EventRecordOffsets.OPCODE)
        .isEqualTo(EtwFacts.get(facts, "path__EVENT_RECORD__OPCODE"));
    assertThat(EventRecordOffsets.EXTENDED_DATA_COUNT)
        .isEqualTo(EtwFacts.get(facts, "path__EVENT_RECORD__EXTENDED_DATA_COUNT"));
    assertThat(EventRecordOffsets.USER_DATA_LENGTH)
        .isEqualTo(EtwFacts.get(facts, "path__EVENT_RECORD__USER_DATA_LENGTH"));
    assertThat(EventRecordOffsets.EXTENDED_DATA)
        .isEqualTo(EtwFacts.get(facts, "path__EVENT_RECORD__EXTENDED_DATA"));
    assertThat(EventRecordOffsets.USER_DATA)
        .isEqualTo(EtwFacts.get(facts, "path__EVENT_RECORD__USER_DATA"));
    assertThat(EventRecordOffsets.SIZE)
        .isEqualTo(EtwFacts.get(facts, "size__EVENT_RECORD_for_decoder"));
    assertThat(EventRecordOffsets.EXT_TYPE)
        .isEqualTo(EtwFacts.get(facts, "path__EVENT_HEADER_EXTENDED_DATA_ITEM__EXT_TYPE"));
    assertThat(EventRecordOffsets.EXT_DATA_SIZE)
        .isEqualTo(EtwFacts.get(facts, "path__EVENT_HEADER_EXTENDED_DATA_ITEM__DATA_SIZE"));
    assertThat(EventRecordOffsets.EXT_DATA_PTR)
        .isEqualTo(EtwFacts.get(facts, "path__EVENT_HEADER_EXTENDED_DATA_ITEM__DATA_PTR"));
    assertThat(EventRecordOffsets.EXT_ITEM_SIZE)
        .isEqualTo(EtwFacts.get(facts, "size__EVENT_HEADER_EXTENDED_DATA_ITEM_for_decoder"));
    assertThat(EventRecordOffsets.EXT_STACK_ADDRESSES)
        .isEqualTo(EtwFacts.get(facts, "path__EVENT_EXTENDED_ITEM_STACK_TRACE64__ADDRESSES"))
        .isEqualTo(EtwFacts.get(facts, "path__EVENT_EXTENDED_ITEM_STACK_TRACE32__ADDRESSES"));
  }

  @Test
  void eventRecordOffsetsEqualTheJnaStructure() {
    EventRecord record = new EventRecord();
    EventHeader header = record.EventHeader;
    int inHeader = record.offsetOf("EventHeader");
    assertThat(EventRecordOffsets.HEADER_FLAGS).isEqualTo(inHeader + header.offsetOf("Flags"));
    assertThat(EventRecordOffsets.THREAD_ID).isEqualTo(inHeader + header.offsetOf("ThreadId"));
    assertThat(EventRecordOffsets.PROCESS_ID).isEqualTo(inHeader + header.offsetOf("ProcessId"));
    assertThat(EventRecordOffsets.TIME_STAMP).isEqualTo(inHeader + header.offsetOf("TimeStamp"));
    assertThat(EventRecordOffsets.PROVIDER_ID).isEqualTo(inHeader + header.offsetOf("ProviderId"));
    int descriptor = inHeader + header.offsetOf("EventDescriptor");
    assertThat(EventRecordOffsets.OPCODE)
        .isEqualTo(descriptor + header.EventDescriptor.offsetOf("Opcode"));
    assertThat(EventRecordOffsets.VERSION)
        .isEqualTo(descriptor + header.EventDescriptor.offsetOf("Version"));
    assertThat(EventRecordOffsets.USER_DATA_LENGTH).isEqualTo(record.offsetOf("UserDataLength"));
    assertThat(EventRecordOffsets.USER_DATA).isEqualTo(record.offsetOf("UserData"));
    assertThat(EventRecordOffsets.EXTENDED_DATA).isEqualTo(record.offsetOf("ExtendedData"));
    assertThat(EventRecordOffsets.EXTENDED_DATA_COUNT)
        .isEqualTo(record.offsetOf("ExtendedDataCount"));
    assertThat(EventRecordOffsets.SIZE).isEqualTo(record.size());
  }

  @ParameterizedTest(name = "pointer size {0}")
  @ValueSource(ints = {8, 4})
  void heapPayloadOffsetsEqualThePackedStructures(int p) {
    Map<String, Long> facts = p == 8 ? EtwFacts.x64() : EtwFacts.x86();
    assertThat(EtwFacts.get(facts, "ptrsize__PVOID")).isEqualTo(p);
    assertThat(HeapPayload.HEAP_HANDLE)
        .isEqualTo(EtwFacts.get(facts, "off__HEAP_ALLOC_PAYLOAD__HeapHandle"));
    assertThat(HeapPayload.allocSize(p))
        .isEqualTo(EtwFacts.get(facts, "off__HEAP_ALLOC_PAYLOAD__AllocSize"));
    assertThat(HeapPayload.allocAddress(p))
        .isEqualTo(EtwFacts.get(facts, "off__HEAP_ALLOC_PAYLOAD__AllocAddress"));
    assertThat(HeapPayload.allocLength(p))
        .isEqualTo(EtwFacts.get(facts, "size__HEAP_ALLOC_PAYLOAD"));
    assertThat(HeapPayload.reallocNewAddress(p))
        .isEqualTo(EtwFacts.get(facts, "off__HEAP_REALLOC_PAYLOAD__NewAllocAddress"));
    assertThat(HeapPayload.reallocOldAddress(p))
        .isEqualTo(EtwFacts.get(facts, "off__HEAP_REALLOC_PAYLOAD__OldAllocAddress"));
    assertThat(HeapPayload.reallocNewSize(p))
        .isEqualTo(EtwFacts.get(facts, "off__HEAP_REALLOC_PAYLOAD__NewAllocSize"));
    assertThat(HeapPayload.reallocOldSize(p))
        .isEqualTo(EtwFacts.get(facts, "off__HEAP_REALLOC_PAYLOAD__OldAllocSize"));
    assertThat(HeapPayload.reallocLength(p))
        .isEqualTo(EtwFacts.get(facts, "size__HEAP_REALLOC_PAYLOAD"));
    assertThat(HeapPayload.freeAddress(p))
        .isEqualTo(EtwFacts.get(facts, "off__HEAP_FREE_PAYLOAD__FreeAddress"));
    assertThat(HeapPayload.freeLength(p)).isEqualTo(EtwFacts.get(facts, "size__HEAP_FREE_PAYLOAD"));
    assertThat(HeapPayload.destroyLength(p))
        .isEqualTo(EtwFacts.get(facts, "size__HEAP_DESTROY_PAYLOAD"));
    assertThat(HeapPayload.STACK_EVENT_TIME_STAMP)
        .isEqualTo(EtwFacts.get(facts, "off__STACK_WALK_PAYLOAD__EventTimeStamp"));
    assertThat(HeapPayload.STACK_PROCESS)
        .isEqualTo(EtwFacts.get(facts, "off__STACK_WALK_PAYLOAD__StackProcess"));
    assertThat(HeapPayload.STACK_THREAD)
        .isEqualTo(EtwFacts.get(facts, "off__STACK_WALK_PAYLOAD__StackThread"));
    assertThat(HeapPayload.STACK_FRAMES)
        .isEqualTo(EtwFacts.get(facts, "off__STACK_WALK_PAYLOAD__Stack"));
  }

  @ParameterizedTest
  @ValueSource(ints = {8, 4})
  void imageAndProcessPayloadOffsetsEqualThePackedStructures(int p) {
    Map<String, Long> facts = p == 8 ? EtwFacts.x64() : EtwFacts.x86();
    assertThat(ImagePayload.IMAGE_BASE)
        .isEqualTo(EtwFacts.get(facts, "off__IMAGE_LOAD_PAYLOAD__ImageBase"));
    assertThat(ImagePayload.imageSize(p))
        .isEqualTo(EtwFacts.get(facts, "off__IMAGE_LOAD_PAYLOAD__ImageSize"));
    assertThat(ImagePayload.imageProcessId(p))
        .isEqualTo(EtwFacts.get(facts, "off__IMAGE_LOAD_PAYLOAD__ProcessId"));
    assertThat(ImagePayload.imageCheckSum(p))
        .isEqualTo(EtwFacts.get(facts, "off__IMAGE_LOAD_PAYLOAD__ImageCheckSum"));
    assertThat(ImagePayload.imageTimeDateStamp(p))
        .isEqualTo(EtwFacts.get(facts, "off__IMAGE_LOAD_PAYLOAD__TimeDateStamp"));
    assertThat(ImagePayload.defaultBase(p))
        .isEqualTo(EtwFacts.get(facts, "off__IMAGE_LOAD_PAYLOAD__DefaultBase"));
    assertThat(ImagePayload.fileName(p))
        .isEqualTo(EtwFacts.get(facts, "off__IMAGE_LOAD_PAYLOAD__FileName"))
        .isEqualTo(p == 8 ? 56 : 44); // the Image_Load class page's x64 / x86 offsets
    assertThat(ImagePayload.processId(p))
        .isEqualTo(EtwFacts.get(facts, "off__PROCESS_PAYLOAD__ProcessId"));
    assertThat(ImagePayload.parentId(p))
        .isEqualTo(EtwFacts.get(facts, "off__PROCESS_PAYLOAD__ParentId"));
    assertThat(ImagePayload.processLength(p))
        .isEqualTo(EtwFacts.get(facts, "size__PROCESS_PAYLOAD"));
  }

  @Test
  void theReferencePayloadTableAgrees() {
    // FACTS.md "Heap events" (MOF classes): totals 28/16 (alloc), 44/24 (realloc), 20/12 (free).
    assertThat(new int[] {HeapPayload.allocLength(8), HeapPayload.allocLength(4)})
        .containsExactly(28, 16);
    assertThat(new int[] {HeapPayload.reallocLength(8), HeapPayload.reallocLength(4)})
        .containsExactly(44, 24);
    assertThat(new int[] {HeapPayload.freeLength(8), HeapPayload.freeLength(4)})
        .containsExactly(20, 12);
  }

  @Test
  void guidWordsAreTheGuidBytesInMemory() {
    ByteBuffer heap = ByteBuffer.wrap(EventRecords.HEAP_GUID).order(ByteOrder.LITTLE_ENDIAN);
    assertThat(EtwGuids.low(EtwGuids.HEAP_PROVIDER)).isEqualTo(heap.getLong(0));
    assertThat(EtwGuids.high(EtwGuids.HEAP_PROVIDER)).isEqualTo(heap.getLong(8));
    ByteBuffer stack = ByteBuffer.wrap(EventRecords.STACK_WALK_GUID).order(ByteOrder.LITTLE_ENDIAN);
    assertThat(EtwGuids.low(EtwGuids.STACK_WALK)).isEqualTo(stack.getLong(0));
    assertThat(EtwGuids.high(EtwGuids.STACK_WALK)).isEqualTo(stack.getLong(8));
    assertThat(Guid.bytes(EtwGuids.HEAP_PROVIDER)).containsExactly(EventRecords.HEAP_GUID);
    assertThat(Guid.bytes(EtwGuids.LOST_EVENT)).containsExactly(EventRecords.LOST_EVENT_GUID);
    assertThat(Guid.bytes(EtwGuids.IMAGE)).containsExactly(EventRecords.IMAGE_GUID);
    assertThat(Guid.bytes(EtwGuids.PROCESS)).containsExactly(EventRecords.PROCESS_GUID);
    Guid structure = Guid.of(EtwGuids.STACK_WALK);
    structure.write();
    assertThat(structure.getPointer().getByteArray(0, 16))
        .containsExactly(EventRecords.STACK_WALK_GUID);
  }
}
