package sessionizer.flink;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;
import java.util.Map;

/**
 * What harness/flink's translator hands the runner: the Flink SQL statements, the source stream's
 * columns and input mapping, and which views become which output streams. Plain data read with
 * Jackson; the TypeScript side writes it (harness/flink/jobSpec.ts).
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public class JobSpec {
  public int version;
  /** Table configuration, e.g. {@code table.local-time-zone = UTC}. */
  public Map<String, String> settings;
  public Source source;
  /** CREATE TEMPORARY VIEW statements, in order. */
  public List<String> statements;
  /** Streams written out: DESTINATION_SQL_STREAM, INTERMEDIATE_SQL_STREAM, ... */
  public List<Output> outputs;
  /** One view per pump that can fail a row: its failed rows, with the input row and the error. */
  public List<PumpErrors> pumpErrors;

  @JsonIgnoreProperties(ignoreUnknown = true)
  public static class Column implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    public String name;
    public String kind;
    public Integer length;
    /** JSON property names from the record's root ({@code $.a.b} is [a, b]); source only. */
    public List<String> path;
    /** The JSONPath as written in the input schema, for messages; source only. */
    public String mapping;
  }

  @JsonIgnoreProperties(ignoreUnknown = true)
  public static class Source {
    public String stream;
    public List<Column> columns;
  }

  @JsonIgnoreProperties(ignoreUnknown = true)
  public static class Output implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    public String stream;
    public String view;
    public List<Column> columns;
  }

  @JsonIgnoreProperties(ignoreUnknown = true)
  public static class PumpErrors implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    public String pump;
    public String view;
    /** The pump's input stream's columns, for DATA_ROW. */
    public List<Column> inputColumns;
  }

  /** {@code VARCHAR(7)}, {@code BIGINT}: the type as the harness names it in messages. */
  public static String typeText(Column column) {
    return column.length == null ? column.kind : column.kind + "(" + column.length + ")";
  }
}
