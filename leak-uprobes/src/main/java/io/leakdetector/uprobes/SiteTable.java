package io.leakdetector.uprobes;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import io.leakdetector.uprobes.probe.AllocatorFunction;
import io.leakdetector.uprobes.probe.FileId;
import io.leakdetector.uprobes.probe.LibcImage;
import io.leakdetector.uprobes.probe.ProbeSite;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Every probe site of every probed libc, numbered globally, with each libc's path kept in native
 * memory for {@code config1} (the kernel copies it when an event is opened).
 */
final class SiteTable implements AutoCloseable {
  private final List<LibcImage> images = new ArrayList<>();
  private final List<Memory> paths = new ArrayList<>();
  private final List<ProbeSite> sites = new ArrayList<>();
  private final List<Integer> siteImage = new ArrayList<>();
  private final List<Boolean> retired = new ArrayList<>();

  /** Adds a libc; returns the index of its first site. */
  synchronized int add(LibcImage image) {
    byte[] path = image.hostPath().toString().getBytes(StandardCharsets.UTF_8);
    Memory memory = new Memory(path.length + 1L);
    memory.write(0, path, 0, path.length);
    memory.setByte(path.length, (byte) 0);
    images.add(image);
    paths.add(memory);
    int first = sites.size();
    for (ProbeSite site : image.sites()) {
      sites.add(site);
      siteImage.add(images.size() - 1);
      retired.add(false);
    }
    return first;
  }

  synchronized int size() {
    return sites.size();
  }

  /** Retires the sites from {@code from} on: a libc that could not be probed anywhere. */
  synchronized void retire(int from) {
    for (int s = from; s < retired.size(); s++) {
      retired.set(s, true);
    }
  }

  synchronized boolean retired(int index) {
    return retired.get(index);
  }

  synchronized ProbeSite site(int index) {
    return sites.get(index);
  }

  /** The path, as this process reaches it, of the file of site {@code siteIndex}. */
  synchronized String hostPath(int siteIndex) {
    return images.get(siteImage.get(siteIndex)).hostPath().toString();
  }

  synchronized long pathAddress(int siteIndex) {
    return Pointer.nativeValue(paths.get(siteImage.get(siteIndex)));
  }

  synchronized List<LibcImage> images() {
    return List.copyOf(images);
  }

  /** Whether a libc with this device and inode is probed already. */
  synchronized boolean hasFile(FileId file) {
    return file.known() && images.stream().anyMatch(i -> i.file().equals(file));
  }

  synchronized AllocatorFunction.Kind[] kinds() {
    AllocatorFunction.Kind[] kinds = new AllocatorFunction.Kind[sites.size()];
    for (int i = 0; i < kinds.length; i++) {
      kinds[i] = sites.get(i).kind();
    }
    return kinds;
  }

  synchronized boolean[] dumpsStack() {
    boolean[] dumps = new boolean[sites.size()];
    for (int i = 0; i < dumps.length; i++) {
      dumps[i] = sites.get(i).kind() == AllocatorFunction.Kind.POSIX_MEMALIGN;
    }
    return dumps;
  }

  @Override
  public synchronized void close() {
    for (Memory m : paths) {
      m.close();
    }
    paths.clear();
  }
}
