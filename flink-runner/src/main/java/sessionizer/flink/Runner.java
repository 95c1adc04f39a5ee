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
import org.apache.flink.util.CloseableIterator;

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
 * <p>Exit codes: 0 done, 1 the job failed, 2 usage error.
 */
public final class Runner {
  private Runner() {}

  /** Hidden columns every stream carries after its own (docs/flink.md, "Hidden columns"). */
  public static final String ROWTIME = "$rowtime";
  public static final String SEQ = "$seq";
  public static final String RUN = "$run";
  public static final String PATH = "$path";
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
    if (options.containsKey("jobs")) {
      // Several jobs in one JVM, one after the other: a JVM start costs seconds.
      for (com.fasterxml.jackson.databind.JsonNode job : mapper.readTree(new File(options.get("jobs")))) {
        run(mapper, job.get("spec").asText(), job.get("input").asText(), job.get("outputDir").asText());
      }
      return;
    }
    for (String required : List.of("spec", "input", "output-dir")) {
      if (!options.containsKey(required)) usage("missing --" + required);
    }
    run(mapper, options.get("spec"), options.get("input"), options.get("output-dir"));
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
            + "\n       Runner --jobs FILE   (a JSON array of {spec, input, outputDir})");
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
    return tEnv;
  }

  /** Registers the source stream's view over the validated records. */
  static void registerSource(
      StreamTableEnvironment tEnv, JobSpec spec, SingleOutputStreamOperator<Row> validated) {
    int eventTimeField = spec.source.columns.size() + 4;
    DataStream<Row> timed =
        validated.assignTimestampsAndWatermarks(
            WatermarkStrategy.<Row>forMonotonousTimestamps()
                .withTimestampAssigner(
                    (row, previous) -> (Long) row.getField(eventTimeField)));
    Table table =
        tEnv.fromDataStream(
            timed,
            Schema.newBuilder()
                .columnByMetadata(TIME_ATTRIBUTE, DataTypes.TIMESTAMP_LTZ(3), "rowtime")
                .watermark(TIME_ATTRIBUTE, "SOURCE_WATERMARK()")
                .build());
    tEnv.createTemporaryView("`" + spec.source.stream.replace("`", "``") + "`", table);
  }

  static RowTypeInfo sourceRowType(JobSpec spec) {
    List<JobSpec.Column> columns = spec.source.columns;
    TypeInformation<?>[] types = new TypeInformation<?>[columns.size() + 5];
    String[] names = new String[columns.size() + 5];
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
    types[n + 4] = Types.LONG;
    names[n + 4] = EVENT_TIME;
    return new RowTypeInfo(types, names);
  }

  /** Every output stream's rows and every error row, as one stream of delivery lines. */
  static DataStream<Delivery.OutRow> outputs(
      StreamTableEnvironment tEnv, JobSpec spec, DataStream<Delivery.OutRow> inputErrors) {
    DataStream<Delivery.OutRow> all = inputErrors;
    for (JobSpec.Output output : spec.outputs) {
      List<JobSpec.Column> columns = output.columns;
      String stream = output.stream;
      DataStream<Delivery.OutRow> rows =
          tEnv.toDataStream(tEnv.from("`" + output.view.replace("`", "``") + "`"))
              .map(
                  row -> {
                    Object[] values = new Object[columns.size()];
                    for (int i = 0; i < values.length; i++) {
                      values[i] = row.getField(columns.get(i).name);
                    }
                    return new Delivery.OutRow(
                        stream,
                        (Integer) row.getField(RUN),
                        (Long) row.getField(SEQ),
                        (String) row.getField(PATH),
                        Delivery.object(columns, values));
                  })
              .returns(TypeInformation.of(Delivery.OutRow.class));
      all = all.union(rows);
    }
    for (JobSpec.PumpErrors errors : spec.pumpErrors) {
      List<JobSpec.Column> columns = errors.inputColumns;
      String pump = errors.pump;
      DataStream<Delivery.OutRow> rows =
          tEnv.toDataStream(tEnv.from("`" + errors.view.replace("`", "``") + "`"))
              .map(
                  row -> {
                    Object[] values = new Object[columns.size()];
                    for (int i = 0; i < values.length; i++) values[i] = row.getField("$in" + i);
                    String[] err = (String[]) row.getField("$err");
                    long rowtime = (Long) row.getField(ROWTIME);
                    String json =
                        ErrorRows.json(
                            rowtime,
                            ErrorRows.name(err),
                            ErrorRows.message(err),
                            ErrorRows.hexOfRow(columns, values),
                            pump);
                    return new Delivery.OutRow(
                        "error_stream",
                        (Integer) row.getField(RUN),
                        (Long) row.getField(SEQ),
                        (String) row.getField(PATH),
                        json);
                  })
              .returns(TypeInformation.of(Delivery.OutRow.class));
      all = all.union(rows);
    }
    return all;
  }

  static void runLocal(JobSpec spec, String input, Path outputDir) throws Exception {
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
    SingleOutputStreamOperator<Row> validated =
        lines.process(new Ingest(spec.source.columns)).returns(sourceRowType(spec));
    registerSource(tEnv, spec, validated);
    for (String statement : spec.statements) tEnv.executeSql(statement);
    DataStream<Delivery.OutRow> all = outputs(tEnv, spec, validated.getSideOutput(Ingest.ERRORS));

    List<Delivery.OutRow> rows = new ArrayList<>();
    try (CloseableIterator<Delivery.OutRow> it = all.executeAndCollect("kda-sql-on-flink")) {
      while (it.hasNext()) rows.add(it.next());
    }
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
