package dev.cloister.cli;

import dev.cloister.attestation.MalformedEvidenceException;
import dev.cloister.attestation.snp.appraise.SnpClaims;
import dev.cloister.attestation.snp.evidence.SnpEvidenceCodec;
import dev.cloister.attestation.snp.verify.SnpEvidence;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(
    name = "inspect",
    mixinStandardHelpOptions = true,
    description = "Print every field of SEV-SNP evidence. Nothing is verified: use 'attest verify' for that.",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:parsed", "1:malformed evidence", "2:usage error"})
final class AttestInspect implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(paramLabel = "EVIDENCE", description = "Raw report or Trustee SNP evidence JSON.")
  Path evidence;

  @Option(names = "--json", description = "Print the fields as JSON.")
  boolean json;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    SnpEvidence ev;
    try {
      ev = SnpEvidenceCodec.decode(Inputs.read(evidence));
    } catch (MalformedEvidenceException e) {
      spec.commandLine().getErr().println("cloister: malformed evidence: " + e.getMessage());
      return ExitCodes.REJECTED;
    }
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("verified", false);
    fields.putAll(SnpClaims.ofReport(ev.report(), ev.report().productLineFromCpuid()));
    ev.vek().ifPresent(c -> fields.put("vek_subject", c.getSubjectX500Principal().getName()));
    fields.put("certificates_supplied", ev.chain().size() + (ev.vek().isPresent() ? 1 : 0));
    if (json) {
      Output.json(out, fields);
    } else {
      out.println("SEV-SNP report (NOT VERIFIED)");
      Output.keyValues(out, fields);
    }
    return ExitCodes.OK;
  }
}
