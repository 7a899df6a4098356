package dev.cloister.cleanroom.workload;

import com.google.protobuf.InvalidProtocolBufferException;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tribuo.Example;
import org.tribuo.Model;
import org.tribuo.MutableDataset;
import org.tribuo.classification.Label;
import org.tribuo.classification.LabelFactory;
import org.tribuo.classification.evaluation.LabelEvaluation;
import org.tribuo.classification.evaluation.LabelEvaluator;
import org.tribuo.classification.sgd.linear.LinearSGDTrainer;
import org.tribuo.classification.sgd.objectives.LogMulticlass;
import org.tribuo.impl.ArrayExample;
import org.tribuo.math.optimisers.AdaGrad;
import org.tribuo.protos.core.ModelProto;
import org.tribuo.provenance.SimpleDataSourceProvenance;

/**
 * The first workload: logistic regression (Tribuo's linear SGD with the log loss, AdaGrad, features
 * divided by the configuration's fixed scales) trained on the union of every party's training rows and
 * evaluated on each party's own held-out rows. Each party's rows split deterministically from the
 * seed, so a party can reproduce its own split outside the TEE.
 */
public final class PooledLogisticRegression {
  private static final LabelFactory LABELS = new LabelFactory();
  /** Tribuo logs every training run at INFO; inside a job that is noise. Held strongly so the level sticks. */
  private static final java.util.logging.Logger TRIBUO_LOG = java.util.logging.Logger.getLogger("org.tribuo");

  static {
    TRIBUO_LOG.setLevel(java.util.logging.Level.WARNING);
  }
  public static final Label POSITIVE = new Label("1");

  private PooledLogisticRegression() {}

  /** One party's rows. */
  public record PartyData(String party, Table table) {}

  /** Scores on held-out rows. */
  public record Metrics(int trainRows, int testRows, double auc, double accuracy) {}

  /** The model (Tribuo protobuf) and its metrics per party. */
  public record Result(byte[] model, Map<String, Metrics> perParty, Metrics pooled) {
    @Override
    public String toString() {
      return "Result[" + model.length + "-byte model, " + perParty.keySet() + "]";
    }
  }

  /** Whether row {@code index} of {@code party} is held out: a deterministic function of the seed. */
  static boolean heldOut(String party, int index, WorkloadConfig c) {
    long h = c.seed() * 0x9E3779B97F4A7C15L ^ party.hashCode() * 0xC2B2AE3D27D4EB4FL ^ index * 0x165667B19E3779F9L;
    h ^= h >>> 33;
    h *= 0xFF51AFD7ED558CCDL;
    h ^= h >>> 33;
    return Math.floorMod(h, 10_000) < c.testFraction() * 10_000;
  }

  private static MutableDataset<Label> dataset(String name) {
    return new MutableDataset<>(new SimpleDataSourceProvenance(name, LABELS), LABELS);
  }

  private static Example<Label> example(Table t, double[] row, WorkloadConfig c, int[] featureIdx, int labelIdx) {
    double[] v = new double[featureIdx.length];
    for (int i = 0; i < featureIdx.length; i++) {
      v[i] = row[featureIdx[i]] / c.scale().get(i);
    }
    return new ArrayExample<>(new Label(row[labelIdx] >= 0.5 ? "1" : "0"), c.features().toArray(String[]::new), v);
  }

  private static int[] features(Table t, WorkloadConfig c) throws IOException {
    int[] idx = new int[c.features().size()];
    for (int i = 0; i < idx.length; i++) {
      idx[i] = t.column(c.features().get(i));
    }
    return idx;
  }

  /** Trains on every party's training rows; evaluates on each party's held-out rows. */
  public static Result train(WorkloadConfig c, List<PartyData> parties) throws IOException {
    MutableDataset<Label> train = dataset("pooled-train");
    Map<String, MutableDataset<Label>> tests = new LinkedHashMap<>();
    Map<String, Integer> trainRows = new LinkedHashMap<>();
    MutableDataset<Label> allTests = dataset("pooled-test");
    for (PartyData p : parties) {
      int[] f = features(p.table(), c);
      int label = p.table().column(c.label());
      MutableDataset<Label> test = dataset(p.party() + "-test");
      int n = 0;
      for (int i = 0; i < p.table().rows().size(); i++) {
        Example<Label> e = example(p.table(), p.table().rows().get(i), c, f, label);
        if (heldOut(p.party(), i, c)) {
          test.add(e);
          allTests.add(e);
        } else {
          train.add(e);
          n++;
        }
      }
      tests.put(p.party(), test);
      trainRows.put(p.party(), n);
    }
    Model<Label> model = trainer(c).train(train);
    Map<String, Metrics> metrics = new LinkedHashMap<>();
    for (var e : tests.entrySet()) {
      metrics.put(e.getKey(), metrics(model, e.getValue(), trainRows.get(e.getKey())));
    }
    return new Result(model.serialize().toByteArray(), metrics, metrics(model, allTests, train.size()));
  }

  private static LinearSGDTrainer trainer(WorkloadConfig c) {
    return new LinearSGDTrainer(new LogMulticlass(), new AdaGrad(0.5, 0.1), c.epochs(), 10_000, 1, c.seed());
  }

  static Metrics metrics(Model<Label> model, MutableDataset<Label> test, int trainRows) {
    if (test.size() == 0) {
      return new Metrics(trainRows, 0, Double.NaN, Double.NaN);
    }
    LabelEvaluation e = new LabelEvaluator().evaluate(model, test);
    double auc;
    try {
      auc = e.AUCROC(POSITIVE);
    } catch (IllegalArgumentException | IllegalStateException ex) {
      auc = Double.NaN; // only one class among the held-out rows
    }
    return new Metrics(trainRows, test.size(), auc, e.accuracy());
  }

  /** Scores a serialized model on a party's own held-out rows (what {@code model evaluate} does). */
  public static Metrics evaluate(byte[] serializedModel, WorkloadConfig c, String party, Table table, boolean heldOutOnly) throws IOException {
    Model<Label> model = load(serializedModel);
    MutableDataset<Label> test = dataset(party + "-eval");
    int[] f = features(table, c);
    int label = table.column(c.label());
    for (int i = 0; i < table.rows().size(); i++) {
      if (!heldOutOnly || heldOut(party, i, c)) {
        test.add(example(table, table.rows().get(i), c, f, label));
      }
    }
    return metrics(model, test, 0);
  }

  /** A party's model trained on its own training rows alone, scored on its own held-out rows: the baseline. */
  public static Metrics local(WorkloadConfig c, PartyData p) throws IOException {
    Result r = train(c, List.of(p));
    return r.perParty().get(p.party());
  }

  @SuppressWarnings("unchecked")
  static Model<Label> load(byte[] serialized) throws IOException {
    try {
      return (Model<Label>) Model.deserialize(ModelProto.parseFrom(serialized));
    } catch (InvalidProtocolBufferException | ClassCastException e) {
      throw new IOException("not a Tribuo classification model", e);
    }
  }

}
