package sessionizer.flink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Base64;
import java.util.List;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.types.Row;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * The local source's records to source rows: ROWTIME clamped so it never decreases (per run), a
 * global arrival ordinal {@code $seq}, and the explicit input mapping; bad records go to the
 * error side output instead of failing or vanishing. Runs at parallelism 1: the file order is the
 * arrival order.
 *
 * <p>One input line: {@code {"run": n, "arrivalTime": ms, "data": base64, "text": bool,
 * "reject": {"name", "message"}?}}, written by harness/flink/records.ts. Several runs (independent
 * streams) share one job: each gets its own partitions ({@code $run} is in every PARTITION BY) and
 * its own ROWTIME clamp.
 */
public class Ingest extends ProcessFunction<String, Row> {
  private static final long serialVersionUID = 1L;
  public static final OutputTag<Delivery.OutRow> ERRORS =
      new OutputTag<>("input-errors", org.apache.flink.api.common.typeinfo.TypeInformation.of(Delivery.OutRow.class));

  private final RecordValidator validator;
  private final int columnCount;
  private transient ObjectMapper mapper;
  private int run = Integer.MIN_VALUE;
  private long lastRowtime;
  private long seq;

  public Ingest(List<JobSpec.Column> columns) {
    this.validator = new RecordValidator(columns);
    this.columnCount = columns.size();
  }

  @Override
  public void processElement(String line, Context ctx, Collector<Row> out) throws Exception {
    if (line.isBlank()) return;
    if (mapper == null) mapper = new ObjectMapper();
    JsonNode record = mapper.readTree(line);
    int recordRun = record.path("run").asInt(0);
    long arrival = record.get("arrivalTime").asLong();
    long rowtime = recordRun != run ? arrival : Math.max(arrival, lastRowtime);
    run = recordRun;
    lastRowtime = rowtime;
    long mySeq = seq++;
    byte[] raw = Base64.getDecoder().decode(record.get("data").asText());
    JsonNode reject = record.get("reject");
    String errorName;
    String message;
    Object[] values = null;
    if (reject != null && !reject.isNull()) {
      errorName = reject.get("name").asText();
      message = reject.get("message").asText();
    } else {
      RecordValidator.Result result = validator.validate(raw, record.path("text").asBoolean(false));
      errorName = result.errorName;
      message = result.message;
      values = result.values;
    }
    if (values == null) {
      String json = ErrorRows.json(rowtime, errorName, message, ErrorRows.hexOf(raw), null);
      ctx.output(ERRORS, new Delivery.OutRow("error_stream", run, mySeq, "", json));
      return;
    }
    Row row = new Row(columnCount + 5);
    for (int i = 0; i < columnCount; i++) row.setField(i, values[i]);
    row.setField(columnCount, rowtime);
    row.setField(columnCount + 1, mySeq);
    row.setField(columnCount + 2, run);
    row.setField(columnCount + 3, "");
    // Over operators drop rows whose time is not above 0 (their "last triggering time" starts at 0).
    row.setField(columnCount + 4, mySeq + 1);
    out.collect(row);
  }
}
