package dev.cloister.ledger.merkle;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The Merkle tree hash of RFC 9162 section 2.1 with SHA-256: {@code MTH({}) = SHA-256()}, a leaf
 * is {@code SHA-256(0x00 || d)}, a node {@code SHA-256(0x01 || left || right)}, and a tree of n
 * leaves splits at the largest power of two below n. Proofs are generated from the list of leaf
 * hashes (2.1.3.1, 2.1.4.1) and verified without it (2.1.3.2, 2.1.4.2).
 */
public final class Merkle {
  public static final int HASH_SIZE = 32;

  private Merkle() {}

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  public static byte[] emptyRoot() {
    return sha256().digest();
  }

  public static byte[] leafHash(byte[] data) {
    MessageDigest d = sha256();
    d.update((byte) 0);
    return d.digest(data);
  }

  public static byte[] nodeHash(byte[] left, byte[] right) {
    MessageDigest d = sha256();
    d.update((byte) 1);
    d.update(left);
    return d.digest(right);
  }

  /** The largest power of two strictly less than n (n > 1). */
  static int split(int n) {
    return Integer.highestOneBit(n - 1);
  }

  /** MTH of leaves {@code [from, to)}. */
  public static byte[] root(List<byte[]> leafHashes, int from, int to) {
    int n = to - from;
    if (n == 0) {
      return emptyRoot();
    }
    if (n == 1) {
      return leafHashes.get(from);
    }
    int k = split(n);
    return nodeHash(root(leafHashes, from, from + k), root(leafHashes, from + k, to));
  }

  /** The audit path for leaf {@code index} in the tree of the first {@code size} leaves (2.1.3.1). */
  public static List<byte[]> inclusionProof(List<byte[]> leafHashes, int index, int size) {
    if (size > leafHashes.size() || index < 0 || index >= size) {
      throw new IllegalArgumentException("need 0 <= index < size <= " + leafHashes.size());
    }
    List<byte[]> path = new ArrayList<>();
    path(leafHashes, index, 0, size, path);
    return path;
  }

  private static void path(List<byte[]> leaves, int m, int from, int to, List<byte[]> out) {
    int n = to - from;
    if (n <= 1) {
      return;
    }
    int k = split(n);
    if (m < k) {
      path(leaves, m, from, from + k, out);
      out.add(root(leaves, from + k, to));
    } else {
      path(leaves, m - k, from + k, to, out);
      out.add(root(leaves, from, from + k));
    }
  }

  /** The consistency proof between the trees of the first {@code m} and {@code n} leaves (2.1.4.1). */
  public static List<byte[]> consistencyProof(List<byte[]> leafHashes, int m, int n) {
    if (n > leafHashes.size() || m < 0 || m > n) {
      throw new IllegalArgumentException("need 0 <= m <= n <= " + leafHashes.size());
    }
    List<byte[]> out = new ArrayList<>();
    if (m == 0 || m == n) {
      return out;
    }
    subproof(leafHashes, m, 0, n, true, out);
    return out;
  }

  private static void subproof(List<byte[]> leaves, int m, int from, int to, boolean complete, List<byte[]> out) {
    int n = to - from;
    if (m == n) {
      if (!complete) {
        out.add(root(leaves, from, to));
      }
      return;
    }
    int k = split(n);
    if (m <= k) {
      subproof(leaves, m, from, from + k, complete, out);
      out.add(root(leaves, from + k, to));
    } else {
      subproof(leaves, m - k, from + k, to, false, out);
      out.add(root(leaves, from, from + k));
    }
  }

  /** Thrown when a proof does not verify; the message says which check failed. */
  public static final class ProofException extends Exception {
    public ProofException(String message) {
      super(message);
    }
  }

  /** RFC 9162 2.1.3.2: does {@code leafHash} sit at {@code index} of the tree with {@code root}? */
  public static void verifyInclusion(byte[] leafHash, long index, long size, List<byte[]> proof, byte[] root) throws ProofException {
    if (index < 0 || index >= size) {
      throw new ProofException("leaf index " + index + " is outside a tree of size " + size);
    }
    long fn = index;
    long sn = size - 1;
    byte[] r = leafHash;
    for (byte[] p : proof) {
      if (sn == 0) {
        throw new ProofException("inclusion proof is longer than the tree is deep");
      }
      if ((fn & 1) == 1 || fn == sn) {
        r = nodeHash(p, r);
        if ((fn & 1) == 0) {
          while ((fn & 1) == 0 && fn != 0) {
            fn >>= 1;
            sn >>= 1;
          }
        }
      } else {
        r = nodeHash(r, p);
      }
      fn >>= 1;
      sn >>= 1;
    }
    if (sn != 0) {
      throw new ProofException("inclusion proof is shorter than the tree is deep");
    }
    if (!MessageDigest.isEqual(r, root)) {
      throw new ProofException("inclusion proof does not lead to the root");
    }
  }

  /** RFC 9162 2.1.4.2: is the tree ({@code size2}, {@code root2}) an append-only extension of ({@code size1}, {@code root1})? */
  public static void verifyConsistency(long size1, long size2, byte[] root1, byte[] root2, List<byte[]> proof) throws ProofException {
    if (size1 < 0 || size1 > size2) {
      throw new ProofException("first size " + size1 + " is not within 0.." + size2);
    }
    if (size1 == size2) {
      if (!proof.isEmpty() || !MessageDigest.isEqual(root1, root2)) {
        throw new ProofException("equal sizes need an empty proof and equal roots");
      }
      return;
    }
    if (size1 == 0) {
      if (!proof.isEmpty()) {
        throw new ProofException("consistency with the empty tree needs an empty proof");
      }
      return;
    }
    if (proof.isEmpty()) {
      throw new ProofException("consistency proof is empty");
    }
    List<byte[]> path = new ArrayList<>(proof);
    if (Long.bitCount(size1) == 1) {
      path.addFirst(root1); // size1 is a power of two: the first tree's root is a node of the second
    }
    long fn = size1 - 1;
    long sn = size2 - 1;
    while ((fn & 1) == 1) {
      fn >>= 1;
      sn >>= 1;
    }
    byte[] fr = path.getFirst();
    byte[] sr = path.getFirst();
    for (byte[] c : path.subList(1, path.size())) {
      if (sn == 0) {
        throw new ProofException("consistency proof is longer than the tree is deep");
      }
      if ((fn & 1) == 1 || fn == sn) {
        fr = nodeHash(c, fr);
        sr = nodeHash(c, sr);
        if ((fn & 1) == 0) {
          while ((fn & 1) == 0 && fn != 0) {
            fn >>= 1;
            sn >>= 1;
          }
        }
      } else {
        sr = nodeHash(sr, c);
      }
      fn >>= 1;
      sn >>= 1;
    }
    if (sn != 0) {
      throw new ProofException("consistency proof is shorter than the tree is deep");
    }
    if (!MessageDigest.isEqual(fr, root1)) {
      throw new ProofException("consistency proof does not reproduce the first root");
    }
    if (!MessageDigest.isEqual(sr, root2)) {
      throw new ProofException("consistency proof does not reproduce the second root");
    }
  }

  /** Root of a growing tree in O(log n) per leaf: the roots of the perfect subtrees on the right edge. */
  public static final class Accumulator {
    private final List<byte[]> stack = new ArrayList<>();
    private long size;

    public void add(byte[] leafHash) {
      byte[] h = leafHash;
      long s = size;
      while ((s & 1) == 1) {
        h = nodeHash(stack.removeLast(), h);
        s >>= 1;
      }
      stack.add(h);
      size++;
    }

    public long size() {
      return size;
    }

    public Accumulator copy() {
      Accumulator a = new Accumulator();
      a.stack.addAll(stack);
      a.size = size;
      return a;
    }

    public byte[] root() {
      if (stack.isEmpty()) {
        return emptyRoot();
      }
      byte[] r = stack.getLast();
      for (int i = stack.size() - 2; i >= 0; i--) {
        r = nodeHash(stack.get(i), r);
      }
      return Arrays.copyOf(r, r.length);
    }
  }
}
