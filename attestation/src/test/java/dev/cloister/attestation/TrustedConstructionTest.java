package dev.cloister.attestation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.cloister.attestation.azure.AzureTdxVtpmVerifier;
import dev.cloister.attestation.azure.AzureVtpmVerifier;
import dev.cloister.attestation.dcap.VerifiedDcapQuote;
import dev.cloister.attestation.nitro.VerifiedNitroDocument;
import dev.cloister.attestation.snp.appraise.SnpAppraiser;
import dev.cloister.attestation.snp.verify.AmdRoots;
import dev.cloister.attestation.snp.verify.TrustAnchor;
import dev.cloister.attestation.snp.verify.VerifiedSnpReport;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.Executable;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Code outside the verifiers cannot build "hardware" or "affirming": the public API of the
 * attestation module, read by reflection over every class it ships, offers no constructor or
 * factory that takes a {@link PlatformKind}, none that builds a verified type, and results only
 * through the appraisers, which take verified types.
 */
class TrustedConstructionTest {
  /** What only a verifier builds; appraisal takes nothing else. */
  static final Set<Class<?>> VERIFIED = Set.of(VerifiedSnpReport.class, VerifiedDcapQuote.class, VerifiedNitroDocument.class,
      AzureVtpmVerifier.Verified.class, AzureTdxVtpmVerifier.Verified.class);

  static List<Class<?>> shippedClasses() throws IOException, URISyntaxException, ClassNotFoundException {
    Path root = Path.of(AttestationResult.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    assertThat(root).isDirectory(); // the module's own tests run on target/classes
    List<Class<?>> out = new ArrayList<>();
    try (Stream<Path> files = Files.walk(root)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".class")).toList()) {
        String name = root.relativize(f).toString().replace('/', '.').replaceAll("\\.class$", "");
        if (!name.endsWith("package-info")) {
          out.add(Class.forName(name, false, AttestationResult.class.getClassLoader()));
        }
      }
    }
    return out;
  }

  static List<Executable> publicApi(Class<?> c) {
    List<Executable> out = new ArrayList<>();
    if (!Modifier.isPublic(c.getModifiers())) {
      return out;
    }
    for (Executable e : c.getDeclaredConstructors()) {
      if (Modifier.isPublic(e.getModifiers()) || Modifier.isProtected(e.getModifiers())) {
        out.add(e);
      }
    }
    for (Method m : c.getDeclaredMethods()) {
      if (Modifier.isPublic(m.getModifiers()) || Modifier.isProtected(m.getModifiers())) {
        out.add(m);
      }
    }
    return out;
  }

  static Class<?> produces(Executable e) {
    return e instanceof Method m ? m.getReturnType() : e.getDeclaringClass();
  }

  @Test
  void noPublicConstructorOrFactoryTakesAPlatformKind() throws Exception {
    List<String> offending = new ArrayList<>();
    for (Class<?> c : shippedClasses()) {
      for (Executable e : publicApi(c)) {
        Class<?> out = produces(e);
        boolean trusted = out == AttestationResult.class || out == TrustAnchor.class || VERIFIED.contains(out);
        if (trusted && Arrays.asList(e.getParameterTypes()).contains(PlatformKind.class) && e.getDeclaringClass() != AttestationResult.Minter.class) {
          offending.add(e.toString());
        }
      }
    }
    assertThat(offending).isEmpty();
  }

  @Test
  void verifiedTypesAndResultsHaveNoPublicConstructor() throws Exception {
    List<String> offending = new ArrayList<>();
    for (Class<?> c : shippedClasses()) {
      for (Executable e : publicApi(c)) {
        Class<?> out = produces(e);
        boolean creates = !(e instanceof Method m) || Modifier.isStatic(m.getModifiers()); // accessors only hand on an existing one
        if (VERIFIED.contains(out) && creates && !e.getDeclaringClass().getSimpleName().endsWith("Verifier")) {
          offending.add(e.toString()); // a verified type from anywhere but its verifier
        }
      }
    }
    assertThat(offending).isEmpty();
    for (Class<?> c : Stream.concat(VERIFIED.stream(), Stream.of(AttestationResult.class, AttestationResult.Minter.class)).toList()) {
      assertThat(c.getConstructors()).as(c.getName()).isEmpty();
      assertThat(c.isRecord()).as(c.getName() + " (a record's canonical constructor is public)").isFalse();
    }
  }

  /** Results come only from the appraisers, and every appraiser takes verified evidence (or verifies it itself). */
  @Test
  void resultsAreBuiltOnlyByAppraisersFromVerifiedEvidence() throws Exception {
    List<String> builders = new ArrayList<>();
    for (Class<?> c : shippedClasses()) {
      for (Executable e : publicApi(c)) {
        if (produces(e) == AttestationResult.class && e.getDeclaringClass() != AttestationResult.Minter.class) {
          builders.add(e.getDeclaringClass().getSimpleName() + "." + e.getName() + Arrays.stream(e.getParameterTypes()).map(Class::getSimpleName).toList());
        }
      }
    }
    assertThat(builders).containsExactlyInAnyOrder(
        "SnpAppraiser.appraise[VerifiedSnpReport, SnpAppraisalOptions]",
        "DcapAppraiser.appraise[VerifiedDcapQuote, Optional, TdxAppraisalOptions]",
        "DcapAppraiser.appraise[VerifiedDcapQuote, Optional, SgxAppraisalOptions]",
        "NitroAppraiser.appraise[VerifiedNitroDocument, Options]",
        "AzureVtpmAppraiser.appraise[Verified, Options]",
        "AzureTdxVtpmAppraiser.appraise[Verified, Options]",
        "AzureTdxVtpmAppraiser.attest[byte[], byte[], Optional, Clock, TdxAppraisalOptions]");
  }

  @Test
  void theMinterIsRefusedToAnyoneButAnAppraiser() throws Exception {
    assertThatThrownBy(() -> AttestationResult.minter(MethodHandles.lookup()))
        .isInstanceOf(IllegalCallerException.class)
        .hasMessage("only the attestation appraisers build results, not dev.cloister.attestation.TrustedConstructionTest");
    // A lookup moved into an appraiser keeps only public access: still refused. (Deep reflection,
    // privateLookupIn or setAccessible, can open any class on the class path; no API can stop that.)
    MethodHandles.Lookup moved = MethodHandles.lookup().in(SnpAppraiser.class);
    assertThatThrownBy(() -> AttestationResult.minter(moved))
        .isInstanceOf(IllegalCallerException.class)
        .hasMessage("only the attestation appraisers build results, not dev.cloister.attestation.snp.appraise.SnpAppraiser");
  }

  @Test
  void aTrustAnchorIsHardwareOnlyOnAmdsPinnedRoot() {
    for (TrustAnchor amd : AmdRoots.all()) {
      assertThat(amd.platform()).as(amd.name()).isEqualTo(PlatformKind.HARDWARE);
      // Milan's ARK presented as Genoa's is not Genoa's pinned root.
      TrustAnchor other = AmdRoots.all().stream().filter(a -> a.product() != amd.product()).findFirst().orElseThrow();
      assertThat(new TrustAnchor(amd.name(), other.product(), amd.ark(), List.of()).platform()).isEqualTo(PlatformKind.SIMULATED);
    }
  }
}
