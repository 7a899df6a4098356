package dev.cloister.cli;

import dev.cloister.cleanroom.workload.WorkloadBundle;
import dev.cloister.cleanroom.workload.WorkloadConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "measure", mixinStandardHelpOptions = true, description = "Compute expected launch measurements.",
    subcommands = {MeasureCommand.Workload.class})
final class MeasureCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  @Command(name = "workload", mixinStandardHelpOptions = true,
      description = {"The simulated launch measurement of a workload bundle: SHA-384 over the RFC 8785 manifest of its files",
          "(path, size, SHA-256). One changed byte of code or configuration changes it, as a rebuilt VM image would.",
          "--init writes the built-in pooled logistic-regression bundle to DIR first."},
      exitCodeListHeading = "%nExit codes:%n", exitCodeList = {"0:measured", "1:failed", "2:usage error"})
  static final class Workload implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Option(names = "--bundle", required = true, paramLabel = "DIR") Path bundle;
    @Option(names = "--init", description = "Write the built-in workload bundle to DIR first.") boolean init;
    @Option(names = "--json") boolean json;

    @Override
    public Integer call() throws Exception {
      if (init) {
        WorkloadBundle.writeLogisticRegression(bundle, WorkloadConfig.readmission(), HospitalsDemo.codeJar());
      } else if (!Files.isRegularFile(bundle.resolve(WorkloadBundle.CONFIG))) {
        throw new UsageException(bundle + " is not a workload bundle (no " + WorkloadBundle.CONFIG + "); --init writes one");
      }
      WorkloadBundle.Measured m = WorkloadBundle.measure(bundle);
      if (json) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("kind", "workload");
        out.put("measurement", m.measurement().hex());
        out.put("inputs", m.files());
        Output.json(spec.commandLine().getOut(), out);
      } else {
        spec.commandLine().getOut().println(m.measurement().hex());
      }
      return ExitCodes.OK;
    }
  }
}
