package sessionizer.flink;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.typeutils.RowTypeInfo;
import org.apache.flink.connector.file.src.FileSource;
import org.apache.flink.connector.file.src.reader.TextLineInputFormat;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.table.api.DataTypes;
import org.apache.flink.table.api.Schema;
import org.apache.flink.table.api.Table;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.types.Row;

/**
 * The job runner of engine `flink`: registers the source stream, runs the translated statements
 * and writes the output streams.
 *
 * <p>Local mode: {@code --spec FILE --input FILE --output-dir DIR}. Reads records (JSON lines, see
 * {@link Ingest}) in an embedded MiniCluster at parallelism 1 and writes {@code DIR/<run>/<stream>
 * .jsonl}: one delivery object per line, in the harness's emission order (docs/flink.md).
 *
 * <p>{@code --jobs FILE} runs several such jobs, one after the other, in one JVM.
 *
 * <p>Deployed mode (no arguments, as MSF starts it, or {@code --mode deployed [--spec FILE]
 * [--config FILE]}): see {@link Deployed}.
 *
 * <p>Exit codes: 0 done, 1 the job failed, 2 usage error.
 */
public final class Runner {
  private Runner() {}

  /** Hidden columns every stream carries after its own (docs/flink.md, "Hidden columns"). */
  public static final String ROWTIME = "$rowtime";
  public static final String SEQ = "$seq";
  public static final String RUN = "$run";
  public static final String PATH = "$path";
  public static final String CUT = "$cut";
  public static final String EVENT_TIME = "$ordinal";
  public static final String TIME_ATTRIBUTE = "$t";

  public static void main(String[] args) throws Exception {
    Map<String, String> options = new HashMap<>();
    for (int i = 0; i < args.length; i++) {
      if (!args[i].startsWith("--") || i + 1 >= args.length) {
        usage("unexpected argument " + args[i]);
      }
      options.put(args[i].substring(2), args[++i]);
    }
    ObjectMapper mapper = new ObjectMapper();
    if (args.length == 0 || "deployed".equals(options.get("mode"))) {
      // On MSF the job starts without arguments.
      Deployed.run(options.get("spec"), options.get("config"));
      return;
    }
    if (options.containsKey("jobs")) {
      // Several jobs in one JVM, one after the other: a JVM start costs seconds.
      try {
        for (com.fasterxml.jackson.databind.JsonNode job :
            mapper.readTree(new File(options.get("jobs")))) {
          run(mapper, job.get("spec").asText(), job.get("input").asText(), job.get("outputDir").asText());
        }
      } finally {
        closeCluster();
      }
      return;
    }
    for (String required : List.of("spec", "input", "output-dir")) {
      if (!options.containsKey(required)) usage("missing --" + required);
    }
    try {
      run(mapper, options.get("spec"), options.get("input"), options.get("output-dir"));
    } finally {
      closeCluster();
    }
  }

  private static void run(ObjectMapper mapper, String specFile, String input, String outputDir)
      throws Exception {
    JobSpec spec = mapper.readValue(new File(specFile), JobSpec.class);
    long started = System.nanoTime();
    runLocal(spec, input, Path.of(outputDir));
    System.err.printf("flink-runner: job done in %d ms%n", (System.nanoTime() - started) / 1_000_000);
  }

  private static void usage(String why) {
    System.err.println(
        "flink-runner: "
            + why
            + "\nUsage: Runner --spec FILE --input FILE --output-dir DIR"
            + "\n       Runner --jobs FILE   (a JSON array of {spec, input, outputDir})"
            + "\n       Runner [--mode deployed [--spec FILE] [--config FILE]]");
    System.exit(2);
  }

  static TypeInformation<?> typeInfo(String kind) {
    return switch (kind) {
      case "VARCHAR", "CHAR" -> Types.STRING;
      case "BIGINT", "TIMESTAMP" -> Types.LONG;
      case "INTEGER" -> Types.INT;
      default -> throw new IllegalArgumentException("Unsupported source column type " + kind);
    };
  }

  static StreamTableEnvironment tableEnvironment(StreamExecutionEnvironment env, JobSpec spec) {
    StreamTableEnvironment tEnv = StreamTableEnvironment.create(env);
    if (spec.settings != null) spec.settings.forEach((k, v) -> tEnv.getConfig().set(k, v));
    RangeFunctions.all().forEach(tEnv::createTemporarySystemFunction);
    return tEnv;
  }

  /** Registers the source stream's view over the validated records. */
  static void registerSource(
      StreamTableEnvironment tEnv, JobSpec spec, SingleOutputStreamOperator<Row> validated) {
    int eventTimeField = spec.source.columns.size() + 5;
    DataStream<Row> timed =
        validated.assignTimestampsAndWatermarks(
            WatermarkStrategy.<Row>forGenerator(context -> new OrdinalWatermarks())
                .withTimestampAssigner((row, previous) -> (Long) row.getField(eventTimeField)));
    Table table =
        tEnv.fromDataStream(
            timed,
            Schema.newBuilder()
                .columnByMetadata(TIME_ATTRIBUTE, DataTypes.TIMESTAMP_LTZ(3), "rowtime")
                .watermark(TIME_ATTRIBUTE, "SOURCE_WATERMARK()")
                .build());
    tEnv.createTemporaryView("`" + spec.source.stream.replace("`", "``") + "`", table);
  }

  /**
   * The watermark is the newest ordinal itself, not one below it: ordinals are unique, so no later
   * row can have it, and the over-operators emit a row as soon as the watermark reaches it instead
   * of waiting for the next record (KDA emits at once).
   */
  static final class OrdinalWatermarks
      implements org.apache.flink.api.common.eventtime.WatermarkGenerator<Row> {
    private long newest = Long.MIN_VALUE;

    @Override
    public void onEvent(Row row, long timestamp, org.apache.flink.api.common.eventtime.WatermarkOutput output) {
      newest = Math.max(newest, timestamp);
    }

    @Override
    public void onPeriodicEmit(org.apache.flink.api.common.eventtime.WatermarkOutput output) {
      if (newest != Long.MIN_VALUE) {
        output.emitWatermark(new org.apache.flink.api.common.eventtime.Watermark(newest));
      }
    }
  }

  static RowTypeInfo sourceRowType(JobSpec spec) {
    List<JobSpec.Column> columns = spec.source.columns;
    TypeInformation<?>[] types = new TypeInformation<?>[columns.size() + 6];
    String[] names = new String[columns.size() + 6];
    for (int i = 0; i < columns.size(); i++) {
      types[i] = typeInfo(columns.get(i).kind);
      names[i] = columns.get(i).name;
    }
    int n = columns.size();
    types[n] = Types.LONG;
    names[n] = ROWTIME;
    types[n + 1] = Types.LONG;
    names[n + 1] = SEQ;
    types[n + 2] = Types.INT;
    names[n + 2] = RUN;
    types[n + 3] = Types.STRING;
    names[n + 3] = PATH;
    types[n + 4] = Types.MAP(Types.STRING, Types.INT);
    names[n + 4] = CUT;
    types[n + 5] = Types.LONG;
    names[n + 5] = EVENT_TIME;
    return new RowTypeInfo(types, names);
  }

  private static String q(String name) {
    return "`" + name.replace("`", "``") + "`";
  }

  private static String values(List<String> columns) {
    StringBuilder out = new StringBuilder("ARRAY[");
    for (int i = 0; i < columns.size(); i++) {
      if (i > 0) out.append(", ");
      out.append("CAST(").append(q(columns.get(i))).append(" AS STRING)");
    }
    return out.append(']').toString();
  }

  /**
   * Every output stream's rows and every pump's error rows as one query, so Flink plans and runs
   * the shared views once: {@code $out} names the output (an index into the spec), {@code $values}
   * holds the row's values as text, {@code $err} a pump error's code.
   */
  static String outputQuery(JobSpec spec) {
    List<String> parts = new ArrayList<>();
    String hidden = q(RUN) + ", " + q(SEQ) + ", " + q(PATH) + ", " + q(ROWTIME);
    for (int i = 0; i < spec.outputs.size(); i++) {
      JobSpec.Output output = spec.outputs.get(i);
      List<String> names = output.columns.stream().map(c -> c.name).toList();
      parts.add(
          "SELECT " + i + " AS `$out`, " + hidden + ", CAST(NULL AS ARRAY<STRING>) AS `$err`, "
              + values(names) + " AS `$values` FROM " + q(output.view));
    }
    for (int i = 0; i < spec.pumpErrors.size(); i++) {
      JobSpec.PumpErrors errors = spec.pumpErrors.get(i);
      List<String> names = new ArrayList<>();
      for (int c = 0; c < errors.inputColumns.size(); c++) names.add("$in" + c);
      parts.add(
          "SELECT " + (spec.outputs.size() + i) + " AS `$out`, " + hidden + ", `$err`, "
              + values(names) + " AS `$values` FROM " + q(errors.view));
    }
    return String.join(" UNION ALL ", parts);
  }

  /** A value of a column of {@code kind} back from its text in {@code $values}. */
  static Object parse(String kind, String text) {
    if (text == null) return null;
    return switch (kind) {
      case "BIGINT", "TIMESTAMP", "INTEGER", "SMALLINT" -> Long.parseLong(text);
      case "DOUBLE", "REAL", "DECIMAL" -> Double.parseDouble(text);
      case "BOOLEAN" -> Boolean.parseBoolean(text);
      default -> text;
    };
  }

  /** Every output stream's rows and every error row, as one stream of delivery lines. */
  static DataStream<Delivery.OutRow> outputs(
      StreamTableEnvironment tEnv, JobSpec spec, DataStream<Delivery.OutRow> inputErrors) {
    if (spec.outputs.isEmpty() && spec.pumpErrors.isEmpty()) return inputErrors;
    List<JobSpec.Output> outputs = spec.outputs;
    List<JobSpec.PumpErrors> pumpErrors = spec.pumpErrors;
    DataStream<Delivery.OutRow> rows =
        tEnv.toDataStream(tEnv.sqlQuery(outputQuery(spec)))
            .map(
                row -> {
                  int out = (Integer) row.getField("$out");
                  String[] text = (String[]) row.getField("$values");
                  int run = (Integer) row.getField(RUN);
                  long seq = (Long) row.getField(SEQ);
                  String path = (String) row.getField(PATH);
                  if (out < outputs.size()) {
                    JobSpec.Output output = outputs.get(out);
                    Object[] values = new Object[text.length];
                    for (int i = 0; i < values.length; i++) {
                      values[i] = parse(output.columns.get(i).kind, text[i]);
                    }
                    return new Delivery.OutRow(
                        output.stream, run, seq, path, Delivery.object(output.columns, values));
                  }
                  JobSpec.PumpErrors errors = pumpErrors.get(out - outputs.size());
                  Object[] values = new Object[text.length];
                  for (int i = 0; i < values.length; i++) {
                    values[i] = parse(errors.inputColumns.get(i).kind, text[i]);
                  }
                  String[] err = (String[]) row.getField("$err");
                  String json =
                      ErrorRows.json(
                          (Long) row.getField(ROWTIME),
                          ErrorRows.name(err),
                          ErrorRows.message(err),
                          ErrorRows.hexOfRow(errors.inputColumns, values),
                          errors.pump);
                  return new Delivery.OutRow("error_stream", run, seq, path, json);
                })
            .returns(TypeInformation.of(Delivery.OutRow.class));
    return inputErrors.union(rows);
  }

  /** Rows the local job's sink collected; the job runs in this JVM (an embedded MiniCluster). */
  static final java.util.concurrent.ConcurrentLinkedQueue<Delivery.OutRow> COLLECTED =
      new java.util.concurrent.ConcurrentLinkedQueue<>();

  static final class CollectingSink
      implements org.apache.flink.streaming.api.functions.sink.SinkFunction<Delivery.OutRow> {
    private static final long serialVersionUID = 1L;

    @Override
    public void invoke(Delivery.OutRow row, Context context) {
      COLLECTED.add(row);
    }
  }

  private static org.apache.flink.runtime.minicluster.MiniCluster cluster;

  /** One embedded cluster for every job of this JVM: starting one costs seconds. */
  static org.apache.flink.runtime.minicluster.MiniCluster cluster() throws Exception {
    if (cluster == null) {
      org.apache.flink.configuration.Configuration configuration =
          new org.apache.flink.configuration.Configuration();
      configuration.set(
          org.apache.flink.configuration.TaskManagerOptions.MANAGED_MEMORY_SIZE,
          org.apache.flink.configuration.MemorySize.parse("64m"));
      cluster =
          new org.apache.flink.runtime.minicluster.MiniCluster(
              new org.apache.flink.runtime.minicluster.MiniClusterConfiguration.Builder()
                  .setConfiguration(configuration)
                  .setNumTaskManagers(1)
                  .setNumSlotsPerTaskManager(1)
                  .build());
      cluster.start();
    }
    return cluster;
  }

  /** Stops the embedded cluster, whose threads would otherwise keep the JVM alive. */
  static void closeCluster() throws Exception {
    if (cluster != null) cluster.close();
    cluster = null;
  }

  static void runLocal(JobSpec spec, String input, Path outputDir) throws Exception {
    long started = System.nanoTime();
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setParallelism(1);
    StreamTableEnvironment tEnv = tableEnvironment(env, spec);
    DataStream<String> lines =
        env.fromSource(
            FileSource.forRecordStreamFormat(
                    new TextLineInputFormat(StandardCharsets.UTF_8.name()),
                    new org.apache.flink.core.fs.Path(new File(input).getAbsolutePath()))
                .build(),
            WatermarkStrategy.noWatermarks(),
            "records");
    DataStream<RawRecord> records =
        lines
            .flatMap(
                (String line, org.apache.flink.util.Collector<RawRecord> out) -> {
                  RawRecord record = RawRecord.fromLine(line);
                  if (record != null) out.collect(record);
                })
            .returns(RawRecord.class);
    SingleOutputStreamOperator<Row> validated =
        records.process(new Ingest(spec.source.columns)).returns(sourceRowType(spec));
    registerSource(tEnv, spec, validated);
    for (String statement : spec.statements) tEnv.executeSql(statement);
    DataStream<Delivery.OutRow> all = outputs(tEnv, spec, validated.getSideOutput(Ingest.ERRORS));
    long planned = System.nanoTime();

    COLLECTED.clear();
    all.addSink(new CollectingSink()).name("collect");
    org.apache.flink.streaming.api.graph.StreamGraph graph = env.getStreamGraph();
    graph.setJobName("kda-sql-on-flink");
    cluster().executeJobBlocking(graph.getJobGraph());
    List<Delivery.OutRow> rows = new ArrayList<>(COLLECTED);
    System.err.printf(
        "flink-runner: planned in %d ms, ran in %d ms%n",
        (planned - started) / 1_000_000, (System.nanoTime() - planned) / 1_000_000);
    rows.sort(null);
    Map<String, StringBuilder> files = new TreeMap<>();
    Files.createDirectories(outputDir);
    for (Delivery.OutRow row : rows) {
      files
          .computeIfAbsent(row.run + "/" + row.stream + ".jsonl", k -> new StringBuilder())
          .append(row.json)
          .append('\n');
    }
    for (Map.Entry<String, StringBuilder> file : files.entrySet()) {
      Path path = outputDir.resolve(file.getKey());
      Files.createDirectories(path.getParent());
      Files.writeString(path, file.getValue().toString(), StandardCharsets.UTF_8);
    }
  }
}
