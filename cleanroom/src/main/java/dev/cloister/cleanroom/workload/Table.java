package dev.cloister.cleanroom.workload;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Rows of numbers with named columns, read from CSV (header line, then numeric rows). Held only in
 * memory inside the TEE; {@link #toString()} shows the shape, never a value.
 */
public record Table(List<String> columns, List<double[]> rows) {
  public static Table readCsv(InputStream in, String source) throws IOException {
    BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    String header = r.readLine();
    if (header == null) {
      throw new IOException(source + ": empty dataset");
    }
    List<String> columns = Arrays.stream(header.split(",")).map(String::strip).toList();
    List<double[]> rows = new ArrayList<>();
    String line;
    int n = 1;
    while ((line = r.readLine()) != null) {
      n++;
      if (line.isBlank()) {
        continue;
      }
      String[] cells = line.split(",", -1);
      if (cells.length != columns.size()) {
        throw new IOException(source + ": line " + n + " has " + cells.length + " cells, the header " + columns.size());
      }
      double[] row = new double[cells.length];
      for (int i = 0; i < cells.length; i++) {
        try {
          row[i] = Double.parseDouble(cells[i].strip());
        } catch (NumberFormatException e) {
          throw new IOException(source + ": line " + n + ", column " + columns.get(i) + " is not a number"); // never echo the value
        }
      }
      rows.add(row);
    }
    return new Table(columns, rows);
  }

  public int column(String name) throws IOException {
    int i = columns.indexOf(name);
    if (i < 0) {
      throw new IOException("column '" + name + "' missing (columns: " + columns + ")");
    }
    return i;
  }

  @Override
  public String toString() {
    return "Table[" + rows.size() + " rows x " + columns.size() + " columns]";
  }
}
