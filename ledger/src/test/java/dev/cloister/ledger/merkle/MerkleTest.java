package dev.cloister.ledger.merkle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class MerkleTest {
  /**
   * The RFC 6962 reference tree used across Certificate Transparency implementations
   * (google/certificate-transparency-go merkle testdata, transparency-dev/merkle): eight leaves and
   * the tree head of every prefix.
   */
  static final byte[][] LEAVES = {
    {}, {0x00}, {0x10}, {0x20, 0x21}, {0x30, 0x31}, {0x40, 0x41, 0x42, 0x43},
    HexFormat.of().parseHex("5051525354555657"), HexFormat.of().parseHex("606162636465666768696a6b6c6d6e6f")};
  static final String[] ROOTS = {
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"};

  static List<byte[]> leafHashes(int n, Random r) {
    List<byte[]> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      byte[] d = new byte[r.nextInt(40)];
      r.nextBytes(d);
      out.add(Merkle.leafHash(d));
    }
    return out;
  }

  @Test
  void referenceTreeHeads() {
    List<byte[]> hashes = new ArrayList<>();
    Merkle.Accumulator acc = new Merkle.Accumulator();
    for (int i = 0; i < LEAVES.length; i++) {
      hashes.add(Merkle.leafHash(LEAVES[i]));
      acc.add(hashes.getLast());
      assertThat(HexFormat.of().formatHex(Merkle.root(hashes, 0, i + 1))).isEqualTo(ROOTS[i]);
      assertThat(HexFormat.of().formatHex(acc.root())).isEqualTo(ROOTS[i]);
    }
    assertThat(HexFormat.of().formatHex(Merkle.emptyRoot()))
        .isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  }

  @Test
  void everyInclusionProofVerifiesAndAnyChangeBreaksIt() throws Exception {
    Random r = new Random(9162);
    List<byte[]> h = leafHashes(40, r);
    for (int size = 1; size <= h.size(); size++) {
      byte[] root = Merkle.root(h, 0, size);
      for (int i = 0; i < size; i++) {
        List<byte[]> proof = Merkle.inclusionProof(h, i, size);
        Merkle.verifyInclusion(h.get(i), i, size, proof, root);
        if (size > 1) {
          int j = (i + 1) % size;
          int fi = i;
          int fsize = size;
          assertThatThrownBy(() -> Merkle.verifyInclusion(h.get(j), fi, fsize, proof, root)).isInstanceOf(Merkle.ProofException.class);
          List<byte[]> bad = new ArrayList<>(proof);
          byte[] flipped = bad.get(r.nextInt(bad.size())).clone();
          flipped[r.nextInt(32)] ^= 1;
          bad.set(bad.indexOf(bad.stream().filter(p -> !java.util.Arrays.equals(p, flipped)).findFirst().orElseThrow()), flipped);
          assertThatThrownBy(() -> Merkle.verifyInclusion(h.get(fi), fi, fsize, bad, root)).isInstanceOf(Merkle.ProofException.class);
        }
      }
    }
  }

  @Test
  void everyConsistencyProofVerifiesAndAnyChangeBreaksIt() throws Exception {
    Random r = new Random(6962);
    List<byte[]> h = leafHashes(33, r);
    for (int n = 1; n <= h.size(); n++) {
      byte[] rootN = Merkle.root(h, 0, n);
      for (int m = 1; m <= n; m++) {
        byte[] rootM = Merkle.root(h, 0, m);
        List<byte[]> proof = Merkle.consistencyProof(h, m, n);
        Merkle.verifyConsistency(m, n, rootM, rootN, proof);
        if (m < n) {
          byte[] wrong = rootM.clone();
          wrong[0] ^= 1;
          int fm = m;
          int fn = n;
          assertThatThrownBy(() -> Merkle.verifyConsistency(fm, fn, wrong, rootN, proof)).isInstanceOf(Merkle.ProofException.class);
          assertThatThrownBy(() -> Merkle.verifyConsistency(fm, fn, rootM, wrong.length == 32 ? Merkle.root(h, 0, fn - 1) : rootN, proof))
              .isInstanceOf(Merkle.ProofException.class);
          if (!proof.isEmpty()) {
            List<byte[]> bad = new ArrayList<>(proof);
            byte[] p = bad.getLast().clone();
            p[5] ^= 1;
            bad.set(bad.size() - 1, p);
            assertThatThrownBy(() -> Merkle.verifyConsistency(fm, fn, rootM, rootN, bad)).isInstanceOf(Merkle.ProofException.class);
          }
        }
      }
    }
  }
}
