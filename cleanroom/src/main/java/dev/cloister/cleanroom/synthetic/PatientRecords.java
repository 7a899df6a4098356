package dev.cloister.cleanroom.synthetic;

import java.io.IOException;
import java.io.Writer;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Synthetic 30-day readmission records. Every hospital shares one true risk model (a logistic
 * function of age, BMI, HbA1c, systolic blood pressure, prior admissions, length of stay,
 * comorbidities, emergency admission, albumin, anemia, living alone, dialysis, lab values, and
 * rare strong conditions: transplant, cirrhosis, heart failure) but differs in
 * size and case mix (older or younger patients, more diabetics, more emergencies). Strong but rare
 * conditions and many modest factors are what no single hospital sees enough of to learn
 * well from its own rows; pooling is what helps every one of them, which is the point of the
 * clean room.
 */
public final class PatientRecords {
  public static final List<String> COLUMNS = List.of(
      "age", "bmi", "hba1c", "systolic_bp", "prior_admissions", "length_of_stay", "comorbidities", "emergency",
      "albumin", "anemia", "lives_alone", "dialysis", "sodium", "creatinine", "heart_rate", "wbc",
      "transplant", "cirrhosis", "heart_failure", "readmitted");

  /** A hospital's case mix and its share of the rows. */
  public record Hospital(String name, double share, double ageMean, double hba1cMean, double emergencyRate, double comorbidityRate) {}

  /** Six hospitals of different sizes and populations. */
  public static final List<Hospital> SIX = List.of(
      new Hospital("st-mary", 0.20, 68, 6.6, 0.45, 1.6),
      new Hospital("city-general", 0.18, 61, 6.9, 0.60, 1.3),
      new Hospital("riverside", 0.17, 72, 6.4, 0.35, 2.0),
      new Hospital("northfield", 0.16, 58, 7.2, 0.50, 1.2),
      new Hospital("lakeside", 0.15, 52, 6.2, 0.40, 0.8),
      new Hospital("valley-rural", 0.14, 70, 7.0, 0.55, 1.9));

  private PatientRecords() {}

  /** Writes {@code rows} records of {@code h} as CSV with a header; deterministic for a seed. */
  public static void write(Hospital h, int rows, long seed, Writer out) throws IOException {
    Random r = new Random(seed ^ h.name().hashCode());
    out.write(String.join(",", COLUMNS));
    out.write('\n');
    for (int i = 0; i < rows; i++) {
      double age = clamp(h.ageMean() + 12 * r.nextGaussian(), 18, 99);
      double bmi = clamp(28 + 5 * r.nextGaussian(), 15, 60);
      double hba1c = clamp(h.hba1cMean() + 1.1 * r.nextGaussian(), 4, 14);
      double sbp = clamp(135 + 18 * r.nextGaussian(), 80, 220);
      int prior = poisson(r, 0.8 + 0.01 * (age - 60));
      double los = clamp(Math.exp(1.3 + 0.5 * r.nextGaussian()), 1, 60);
      int comorbidities = poisson(r, h.comorbidityRate());
      int emergency = r.nextDouble() < h.emergencyRate() ? 1 : 0;
      double albumin = clamp(3.8 + 0.5 * r.nextGaussian(), 1.5, 5.5);
      int anemia = r.nextDouble() < 0.10 ? 1 : 0;
      int livesAlone = r.nextDouble() < 0.25 ? 1 : 0;
      int dialysis = r.nextDouble() < 0.02 ? 1 : 0;
      double sodium = clamp(139 + 3.5 * r.nextGaussian(), 120, 155);
      double creatinine = clamp(Math.exp(0.0 + 0.35 * r.nextGaussian()), 0.3, 8);
      double heartRate = clamp(80 + 13 * r.nextGaussian(), 40, 160);
      double wbc = clamp(7.5 + 2.5 * r.nextGaussian(), 1, 30);
      int transplant = r.nextDouble() < 0.02 ? 1 : 0;
      int cirrhosis = r.nextDouble() < 0.02 ? 1 : 0;
      int heartFailure = r.nextDouble() < 0.03 ? 1 : 0;
      double logit = -2.9 + 2.8 * transplant + 2.6 * cirrhosis + 2.4 * heartFailure - 0.06 * (sodium - 139) + 0.5 * (creatinine - 1) + 0.015 * (heartRate - 80) + 0.06 * (wbc - 7.5) + 0.035 * (age - 65) + 0.05 * (bmi - 28) + 0.35 * (hba1c - 6.5) + 0.012 * (sbp - 135)
          + 0.45 * prior + 0.08 * (los - 4) + 0.3 * comorbidities + 0.6 * emergency - 0.6 * (albumin - 3.8) + 0.5 * anemia
          + 0.4 * livesAlone + 2.8 * dialysis;
      int readmitted = r.nextDouble() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
      out.write(String.format(Locale.ROOT, "%.0f,%.1f,%.1f,%.0f,%d,%.1f,%d,%d,%.1f,%d,%d,%d,%.0f,%.2f,%.0f,%.1f,%d,%d,%d,%d%n", age, bmi,
          hba1c, sbp, prior, los, comorbidities, emergency, albumin, anemia, livesAlone, dialysis, sodium, creatinine, heartRate, wbc,
          transplant, cirrhosis, heartFailure, readmitted));
    }
  }

  private static double clamp(double v, double lo, double hi) {
    return Math.max(lo, Math.min(hi, v));
  }

  private static int poisson(Random r, double lambda) {
    double l = Math.exp(-Math.max(lambda, 0.01));
    int k = 0;
    double p = 1;
    do {
      k++;
      p *= r.nextDouble();
    } while (p > l);
    return k - 1;
  }
}
