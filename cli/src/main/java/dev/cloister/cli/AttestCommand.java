package dev.cloister.cli;

import picocli.CommandLine.Command;

@Command(
    name = "attest",
    mixinStandardHelpOptions = true,
    description = "Verify attestation evidence (SEV-SNP, Azure SNP vTPM, AWS Nitro, Intel TDX/SGX); inspect and simulate SEV-SNP evidence.",
    subcommands = {AttestVerify.class, AttestInspect.class, AttestSimulate.class})
final class AttestCommand implements Runnable {
  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }
}
