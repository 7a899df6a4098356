package dev.cloister.cleanroom.workload;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * The first workload's configuration: logistic regression (Tribuo, SGD with AdaGrad) over the
 * named feature columns, each divided by its fixed {@code scale} (fixed rather than learned, so a
 * feature that is constant in one party's rows cannot break training), to predict the label column, trained on every party's training rows,
 * evaluated on each party's held-out rows. The split is a deterministic hash of the row, so every
 * run and every party agree on it.
 */
public record WorkloadConfig(
    @JsonProperty("workload") String workload,
    @JsonProperty("version") String version,
    @JsonProperty("features") List<String> features,
    @JsonProperty("scale") List<Double> scale,
    @JsonProperty("label") String label,
    @JsonProperty("epochs") int epochs,
    @JsonProperty("seed") long seed,
    @JsonProperty("test_fraction") double testFraction) {

  public WorkloadConfig {
    features = List.copyOf(features);
    scale = List.copyOf(scale);
    if (features.size() != scale.size() || scale.stream().anyMatch(x -> !(x > 0))) {
      throw new IllegalArgumentException("workload: one positive scale per feature");
    }
    if (!(testFraction > 0 && testFraction < 1) || epochs < 1) {
      throw new IllegalArgumentException("workload: test_fraction in (0, 1) and epochs >= 1");
    }
  }

  public static WorkloadConfig readmission() {
    return new WorkloadConfig("logistic-regression", "1",
        List.of("age", "bmi", "hba1c", "systolic_bp", "prior_admissions", "length_of_stay", "comorbidities", "emergency",
            "albumin", "anemia", "lives_alone", "dialysis", "sodium", "creatinine", "heart_rate", "wbc",
            "transplant", "cirrhosis", "heart_failure"),
        List.of(100.0, 40.0, 10.0, 200.0, 5.0, 20.0, 5.0, 1.0, 5.0, 1.0, 1.0, 1.0, 150.0, 2.0, 100.0, 10.0, 1.0, 1.0, 1.0),
        "readmitted", 10, 42L, 0.6);
  }
}
