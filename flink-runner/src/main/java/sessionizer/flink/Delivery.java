package sessionizer.flink;

import java.io.Serializable;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.List;

/**
 * The harness's delivery format (docs/semantics.md, "Output to Lambda"): one JSON object per row,
 * keys in column order, TIMESTAMP as {@code yyyy-MM-dd HH:mm:ss.SSS} UTC text, CHAR padded, NULL
 * as null. The translated SQL carries TIMESTAMP values as BIGINT epoch milliseconds; they become
 * text only here.
 */
public final class Delivery {
  private Delivery() {}

  /** One output row, with the keys that put it in the harness's emission order. */
  public static final class OutRow implements Serializable, Comparable<OutRow> {
    private static final long serialVersionUID = 1L;
    public String stream;
    public int run;
    public long seq;
    /** Depth-first position among the rows one record causes (docs/flink.md, "Order"). */
    public String path;
    public String json;

    public OutRow() {}

    public OutRow(String stream, int run, long seq, String path, String json) {
      this.stream = stream;
      this.run = run;
      this.seq = seq;
      this.path = path;
      this.json = json;
    }

    @Override
    public int compareTo(OutRow o) {
      if (run != o.run) return Integer.compare(run, o.run);
      if (seq != o.seq) return Long.compare(seq, o.seq);
      return path.compareTo(o.path);
    }
  }

  /** The canonical TIMESTAMP text, as harness/emulator/sqlTypes.ts formatTimestamp. */
  public static String formatTimestamp(long ms) {
    LocalDateTime t =
        LocalDateTime.ofEpochSecond(
            Math.floorDiv(ms, 1000L), (int) Math.floorMod(ms, 1000L) * 1_000_000, ZoneOffset.UTC);
    int year = t.getYear();
    String yyyy = year >= 0 && year < 10000 ? String.format("%04d", year) : String.valueOf(year);
    return String.format(
        "%s-%02d-%02d %02d:%02d:%02d.%03d",
        yyyy,
        t.getMonthValue(),
        t.getDayOfMonth(),
        t.getHour(),
        t.getMinute(),
        t.getSecond(),
        t.getNano() / 1_000_000);
  }

  /** JSON text of one value of a column of {@code kind}. */
  public static String value(String kind, Object value) {
    if (value == null) return "null";
    if (kind.equals("TIMESTAMP")) return JsValues.quote(formatTimestamp(((Number) value).longValue()));
    if (value instanceof String s) return JsValues.quote(s);
    if (value instanceof Boolean b) return b ? "true" : "false";
    if (value instanceof Long || value instanceof Integer || value instanceof Short) {
      return value.toString();
    }
    if (value instanceof Number n) return JsValues.numberToString(n.doubleValue());
    throw new IllegalArgumentException("Unsupported value " + value.getClass().getName());
  }

  /** The delivery JSON of a row given its values in column order. */
  public static String object(List<JobSpec.Column> columns, Object[] values) {
    StringBuilder out = new StringBuilder("{");
    for (int i = 0; i < columns.size(); i++) {
      if (i > 0) out.append(',');
      JobSpec.Column column = columns.get(i);
      out.append(JsValues.quote(column.name)).append(':').append(value(column.kind, values[i]));
    }
    return out.append('}').toString();
  }
}
