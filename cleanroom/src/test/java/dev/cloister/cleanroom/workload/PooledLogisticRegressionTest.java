package dev.cloister.cleanroom.workload;

import static org.assertj.core.api.Assertions.assertThat;

import dev.cloister.cleanroom.synthetic.PatientRecords;
import java.io.ByteArrayInputStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PooledLogisticRegressionTest {
  static List<PooledLogisticRegression.PartyData> hospitals(int totalRows) throws Exception {
    return hospitals(totalRows, 2026);
  }

  static List<PooledLogisticRegression.PartyData> hospitals(int totalRows, long seed) throws Exception {
    List<PooledLogisticRegression.PartyData> out = new ArrayList<>();
    for (PatientRecords.Hospital h : PatientRecords.SIX) {
      StringWriter w = new StringWriter();
      PatientRecords.write(h, (int) Math.round(totalRows * h.share()), seed, w);
      out.add(new PooledLogisticRegression.PartyData(h.name(),
          Table.readCsv(new ByteArrayInputStream(w.toString().getBytes(StandardCharsets.UTF_8)), h.name())));
    }
    return out;
  }

  @Test
  void pooledModelBeatsEveryHospitalsOwnModelOnItsOwnHeldOutRows() throws Exception {
    WorkloadConfig c = WorkloadConfig.readmission();
    // The demo's default size (3,000 rows over six hospitals, 420-600 each), for several seeds:
    // with this little data per party, pooling helps every one of them.
    int rows = 3000;
    for (long seed : new long[] {2026, 7, 99, 12345, 1, 2}) {
      var data = hospitals(rows, seed);
      var pooled = PooledLogisticRegression.train(c, data);
      assertThat(pooled.pooled().auc()).isGreaterThan(0.70);
      for (var p : data) {
        double local = PooledLogisticRegression.local(c, p).auc();
        double shared = pooled.perParty().get(p.party()).auc();
        assertThat(shared).as(p.party() + " at " + rows + " rows: pooled " + shared + " vs local " + local).isGreaterThan(local);
      }
      // The serialized model reloads and scores the same held-out rows identically.
      var first = data.getFirst();
      assertThat(PooledLogisticRegression.evaluate(pooled.model(), c, first.party(), first.table(), true).auc())
          .isEqualTo(pooled.perParty().get(first.party()).auc());
    }
  }
}
