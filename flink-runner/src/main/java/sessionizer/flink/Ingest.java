package sessionizer.flink;

import java.util.List;
import java.util.Map;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.types.Row;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * Records to source rows: ROWTIME (the arrival time, clamped so it never decreases), a global
 * arrival ordinal {@code $seq}, and the explicit input mapping; bad records go to the error side
 * output instead of failing or vanishing. Runs at parallelism 1, so the order it sees is the
 * arrival order; the clamp and the ordinal are checkpointed, so a restart continues them.
 *
 * <p>The event time of the SQL ({@code $t}) is the arrival ordinal + 1 in milliseconds, not
 * ROWTIME: unique and increasing, so every OVER window sees exactly the earlier arrivals, never a
 * peer with an equal time, and above 0, because an over-operator drops rows at time 0
 * (docs/flink.md, "Time"). ROWTIME itself is the column {@code $rowtime}.
 *
 * <p>Locally, several runs (independent streams) share one job: each gets its own partitions
 * ({@code $run} is in every PARTITION BY) and its own ROWTIME clamp.
 */
public class Ingest extends ProcessFunction<RawRecord, Row>
    implements org.apache.flink.streaming.api.checkpoint.CheckpointedFunction {
  private static final long serialVersionUID = 1L;
  public static final OutputTag<Delivery.OutRow> ERRORS =
      new OutputTag<>("input-errors", org.apache.flink.api.common.typeinfo.TypeInformation.of(Delivery.OutRow.class));

  private final RecordValidator validator;
  private final int columnCount;
  private int run = Integer.MIN_VALUE;
  private long lastRowtime;
  private long seq;

  private transient org.apache.flink.api.common.state.ListState<Long> checkpointed;

  @Override
  public void snapshotState(org.apache.flink.runtime.state.FunctionSnapshotContext context)
      throws Exception {
    checkpointed.update(List.of((long) run, lastRowtime, seq));
  }

  @Override
  public void initializeState(org.apache.flink.runtime.state.FunctionInitializationContext context)
      throws Exception {
    checkpointed =
        context
            .getOperatorStateStore()
            .getListState(
                new org.apache.flink.api.common.state.ListStateDescriptor<>("ingest", Long.class));
    List<Long> saved = new java.util.ArrayList<>();
    checkpointed.get().forEach(saved::add);
    if (saved.size() == 3) {
      run = saved.get(0).intValue();
      lastRowtime = saved.get(1);
      seq = saved.get(2);
    }
  }

  public Ingest(List<JobSpec.Column> columns) {
    this.validator = new RecordValidator(columns);
    this.columnCount = columns.size();
  }

  @Override
  public void processElement(RawRecord record, Context ctx, Collector<Row> out) {
    long rowtime = record.run != run ? record.arrivalTime : Math.max(record.arrivalTime, lastRowtime);
    run = record.run;
    lastRowtime = rowtime;
    long mySeq = seq++;
    byte[] raw = record.data;
    String errorName;
    String message;
    Object[] values = null;
    Map<String, Integer> cut = null;
    if (record.rejectName != null) {
      errorName = record.rejectName;
      message = record.rejectMessage;
    } else {
      RecordValidator.Result result = validator.validate(raw, record.text);
      errorName = result.errorName;
      message = result.message;
      values = result.values;
      cut = result.cut;
    }
    if (values == null) {
      String json = ErrorRows.json(rowtime, errorName, message, ErrorRows.hexOf(raw), null);
      ctx.output(ERRORS, new Delivery.OutRow("error_stream", run, mySeq, "", json));
      return;
    }
    Row row = new Row(columnCount + 6);
    for (int i = 0; i < columnCount; i++) row.setField(i, values[i]);
    row.setField(columnCount, rowtime);
    row.setField(columnCount + 1, mySeq);
    row.setField(columnCount + 2, run);
    row.setField(columnCount + 3, "");
    row.setField(columnCount + 4, cut);
    // Over operators drop rows whose time is not above 0 (their "last triggering time" starts at 0).
    row.setField(columnCount + 5, mySeq + 1);
    out.collect(row);
  }
}
