package sessionizer.flink;

import com.amazonaws.services.kinesisanalytics.runtime.KinesisAnalyticsRuntime;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.connector.aws.config.AWSConfigConstants;
import org.apache.flink.connector.base.sink.writer.ElementConverter;
import org.apache.flink.connector.dynamodb.sink.DynamoDbSink;
import org.apache.flink.connector.dynamodb.sink.DynamoDbWriteRequest;
import org.apache.flink.connector.dynamodb.sink.DynamoDbWriteRequestType;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.connectors.kinesis.FlinkKinesisConsumer;
import org.apache.flink.streaming.connectors.kinesis.config.ConsumerConfigConstants;
import org.apache.flink.streaming.connectors.kinesis.serialization.KinesisDeserializationSchema;
import org.apache.flink.table.api.bridge.java.StreamTableEnvironment;
import org.apache.flink.types.Row;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Deployed mode, the MSF job: Kinesis in, DynamoDB out, the same tables as the other engines
 * (sql/contracts.ts): DESTINATION_SQL_STREAM rows become sessions items keyed by {@code
 * session_id}, every non-NULL column an attribute, as the delivery core stores them; error_stream
 * rows, and rows that cannot be a sessions item, become dead letters
 * shaped as handlers/delivery/deadLetter.ts writes them. The job spec is {@code job-spec.json} on
 * the class path (packaged with the JAR) or {@code --spec FILE}; the configuration is the MSF
 * property group {@code SessionizerConfig} or {@code --config FILE} (a .properties file):
 * {@code stream.name}, {@code aws.region}, {@code sessions.table}, {@code deadletters.table},
 * {@code application.arn}, optional {@code stream.initial.position} (TRIM_HORIZON),
 * {@code kinesis.endpoint} and {@code dynamodb.endpoint} (for emulators); every {@code aws.*}
 * setting of the connectors (a credentials provider) goes to both, {@code flink.*} to Kinesis.
 *
 * {@code local.report=true} (the local pipeline) also prints a line per record read and one per
 * row delivered on stdout.
 */
public final class Deployed {
  private Deployed() {}

  public static final String PROPERTY_GROUP = "SessionizerConfig";

  /** The Kinesis record's bytes and its ApproximateArrivalTimestamp: ROWTIME, as in KDA. */
  static final class KinesisRecords implements KinesisDeserializationSchema<RawRecord> {
    private static final long serialVersionUID = 1L;

    @Override
    public RawRecord deserialize(
        byte[] recordValue,
        String partitionKey,
        String seqNum,
        long approxArrivalTimestamp,
        String stream,
        String shardId) {
      return new RawRecord(0, approxArrivalTimestamp, recordValue, false);
    }

    @Override
    public TypeInformation<RawRecord> getProducedType() {
      return TypeInformation.of(RawRecord.class);
    }
  }

  static JobSpec loadSpec(String specFile) throws Exception {
    ObjectMapper mapper = new ObjectMapper();
    if (specFile != null) return mapper.readValue(new java.io.File(specFile), JobSpec.class);
    try (InputStream in = Deployed.class.getResourceAsStream("/job-spec.json")) {
      if (in == null) {
        throw new IllegalStateException(
            "job-spec.json is not on the class path; package it with the JAR or pass --spec FILE");
      }
      return mapper.readValue(in, JobSpec.class);
    }
  }

  static Properties loadConfig(String configFile) throws Exception {
    if (configFile != null) {
      Properties p = new Properties();
      try (InputStream in = new java.io.FileInputStream(configFile)) {
        p.load(in);
      }
      return p;
    }
    Properties p = KinesisAnalyticsRuntime.getApplicationProperties().get(PROPERTY_GROUP);
    if (p == null) {
      throw new IllegalStateException("MSF property group " + PROPERTY_GROUP + " is missing");
    }
    return p;
  }

  static String required(Properties config, String key) {
    String value = config.getProperty(key);
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(
          "Configuration " + key + " is missing; expected it in " + PROPERTY_GROUP);
    }
    return value;
  }

  public static void run(String specFile, String configFile) throws Exception {
    JobSpec spec = loadSpec(specFile);
    Properties config = loadConfig(configFile);
    String region = required(config, "aws.region");
    String applicationArn = config.getProperty("application.arn", "flink");

    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    StreamTableEnvironment tEnv = Runner.tableEnvironment(env, spec);

    // Every aws.* setting (credentials provider, ...) goes to both connectors, flink.* to Kinesis.
    Properties aws = new Properties();
    for (String key : config.stringPropertyNames()) {
      if (key.startsWith("aws.")) aws.setProperty(key, config.getProperty(key));
    }
    Properties consumer = new Properties();
    consumer.putAll(aws);
    for (String key : config.stringPropertyNames()) {
      if (key.startsWith("flink.")) consumer.setProperty(key, config.getProperty(key));
    }
    consumer.setProperty(AWSConfigConstants.AWS_REGION, region);
    consumer.setProperty(
        ConsumerConfigConstants.STREAM_INITIAL_POSITION,
        config.getProperty("stream.initial.position", "TRIM_HORIZON"));
    if (config.getProperty("kinesis.endpoint") != null) {
      consumer.setProperty(AWSConfigConstants.AWS_ENDPOINT, config.getProperty("kinesis.endpoint"));
    }
    DataStream<RawRecord> records =
        env.addSource(
                new FlinkKinesisConsumer<>(
                    required(config, "stream.name"), new KinesisRecords(), consumer))
            .name("kinesis");
    // One ingest: the ordinal and the ROWTIME clamp are global, as KDA's arrival order is.
    SingleOutputStreamOperator<Row> validated =
        records
            .process(new Ingest(spec.source.columns))
            .returns(Runner.sourceRowType(spec))
            .setParallelism(1)
            .name("validate");
    Runner.registerSource(tEnv, spec, validated);
    for (String statement : spec.statements) tEnv.executeSql(statement);
    DataStream<Delivery.OutRow> all =
        Runner.outputs(tEnv, spec, validated.getSideOutput(Ingest.ERRORS));

    Properties dynamo = new Properties();
    dynamo.putAll(aws);
    dynamo.setProperty(AWSConfigConstants.AWS_REGION, region);
    if (config.getProperty("dynamodb.endpoint") != null) {
      dynamo.setProperty(AWSConfigConstants.AWS_ENDPOINT, config.getProperty("dynamodb.endpoint"));
    }
    if (Boolean.parseBoolean(config.getProperty("local.report", "false"))) {
      // The local pipeline (harness/local/flinkRunner.ts) counts what the job read and learns
      // every row it delivered, to reconcile the tables as it does for the other engines.
      records.map(record -> REPORT_READ).name("report-read").print();
      all.filter(Deployed::isDelivered)
          .map(row -> REPORT_ROW + row.stream + "\t" + row.json)
          .name("report-rows")
          .print();
    }
    all.filter(Deployed::isSessionItem)
        .sinkTo(
            DynamoDbSink.<Delivery.OutRow>builder()
                .setTableName(required(config, "sessions.table"))
                .setElementConverter(new SessionItems())
                .setOverwriteByPartitionKeys(List.of("session_id"))
                .setDynamoDbProperties(dynamo)
                .build())
        .name("sessions");
    all.filter(row -> !isSessionItem(row) && isDelivered(row))
        .sinkTo(
            DynamoDbSink.<Delivery.OutRow>builder()
                .setTableName(required(config, "deadletters.table"))
                .setElementConverter(new DeadLetters(applicationArn))
                .setOverwriteByPartitionKeys(List.of("id"))
                .setDynamoDbProperties(dynamo)
                .build())
        .name("dead-letters");
    env.execute("kda-sql-on-flink");
  }

  private static final ObjectMapper MAPPER = new ObjectMapper();
  /** DynamoDB's item size limit, as handlers/delivery/decideRow.ts checks it. */
  static final int MAX_ITEM_BYTES = 400 * 1024;

  /** What {@code local.report=true} prints on stdout: a line per record read, one per row delivered. */
  static final String REPORT_READ = "@@read";

  static final String REPORT_ROW = "@@row ";

  static boolean isDelivered(Delivery.OutRow row) {
    return row.stream.equals("DESTINATION_SQL_STREAM") || row.stream.equals("error_stream");
  }

  /**
   * Why a destination row cannot be a sessions item, or null when it can: the rule of
   * handlers/delivery/decideRow.ts, so every SQL application's rows are stored as by the other
   * engines. {@code session_id} must be a non-empty string; every other column text, a number, a
   * boolean or NULL (left out); the item must fit DynamoDB.
   */
  static String sessionRejection(JsonNode json) {
    JsonNode sessionId = json.get("session_id");
    if (sessionId == null || !sessionId.isTextual()) {
      return "field session_id " + (sessionId == null ? "is missing" : "is not a string")
          + "; expected a string";
    }
    if (sessionId.textValue().isEmpty()) {
      return "field session_id is \"\"; expected a non-empty string (it is the table's hash key)";
    }
    long size = 0;
    for (Iterator<Map.Entry<String, JsonNode>> fields = json.fields(); fields.hasNext(); ) {
      Map.Entry<String, JsonNode> field = fields.next();
      JsonNode value = field.getValue();
      if (value.isNull()) continue;
      if (value.isContainerNode()) {
        return "field " + field.getKey() + " is an object; expected text, a number, a boolean or null";
      }
      size += field.getKey().getBytes(StandardCharsets.UTF_8).length;
      size += value.isTextual()
          ? value.textValue().getBytes(StandardCharsets.UTF_8).length
          : value.isNumber() ? 21 : 1;
    }
    if (size > MAX_ITEM_BYTES) {
      return "item is " + size + " bytes; DynamoDB allows at most " + MAX_ITEM_BYTES
          + " bytes per item";
    }
    return null;
  }

  static boolean isSessionItem(Delivery.OutRow row) throws Exception {
    return row.stream.equals("DESTINATION_SQL_STREAM")
        && sessionRejection(MAPPER.readTree(row.json)) == null;
  }

  /** The sessions item: every non-NULL column of the row, as the delivery core stores it. */
  static final class SessionItems implements ElementConverter<Delivery.OutRow, DynamoDbWriteRequest> {
    private static final long serialVersionUID = 1L;

    @Override
    public DynamoDbWriteRequest apply(Delivery.OutRow row, SinkWriter.Context context) {
      try {
        JsonNode json = MAPPER.readTree(row.json);
        Map<String, AttributeValue> item = new HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> fields = json.fields(); fields.hasNext(); ) {
          Map.Entry<String, JsonNode> field = fields.next();
          JsonNode value = field.getValue();
          if (value.isNull()) continue;
          AttributeValue attribute =
              value.isTextual()
                  ? AttributeValue.builder().s(value.textValue()).build()
                  : value.isBoolean()
                      ? AttributeValue.builder().bool(value.booleanValue()).build()
                      : AttributeValue.builder()
                          .n(value.isIntegralNumber()
                              ? value.bigIntegerValue().toString()
                              : value.decimalValue().toPlainString())
                          .build();
          item.put(field.getKey(), attribute);
        }
        return DynamoDbWriteRequest.builder()
            .setType(DynamoDbWriteRequestType.PUT)
            .setItem(item)
            .build();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
  }

  /** A dead letter, as handlers/delivery/deadLetter.ts shapes it. */
  static final class DeadLetters implements ElementConverter<Delivery.OutRow, DynamoDbWriteRequest> {
    private static final long serialVersionUID = 1L;
    private final String applicationArn;

    DeadLetters(String applicationArn) {
      this.applicationArn = applicationArn;
    }

    private static String truncate(String text, int maxBytes) {
      byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
      if (bytes.length <= maxBytes) return text;
      int end = maxBytes;
      while (end > 0 && (bytes[end] & 0xC0) == 0x80) end--;
      return new String(bytes, 0, end, StandardCharsets.UTF_8);
    }

    private static AttributeValue s(String text) {
      return AttributeValue.builder().s(text).build();
    }

    @Override
    public DynamoDbWriteRequest apply(Delivery.OutRow row, SinkWriter.Context context) {
      try {
        JsonNode json = MAPPER.readTree(row.json);
        String data = Base64.getEncoder().encodeToString(row.json.getBytes(StandardCharsets.UTF_8));
        boolean isError = row.stream.equals("error_stream");
        String rejection = isError ? null : sessionRejection(json);
        String reason =
            isError
                ? json.path("ERROR_NAME").asText()
                : rejection != null && rejection.startsWith("item is ")
                    ? "ItemTooLarge"
                    : "InvalidField";
        String message = isError ? json.path("MESSAGE").asText() : rejection;
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        sha.update(applicationArn.getBytes(StandardCharsets.UTF_8));
        sha.update((byte) '\n');
        sha.update(data.getBytes(StandardCharsets.UTF_8));
        Map<String, AttributeValue> item = new HashMap<>();
        String keptData = truncate(data, 200_000);
        String keptMessage = truncate(message, 2_000);
        boolean truncated = !keptData.equals(data) || !keptMessage.equals(message);
        item.put("id", s(HexFormat.of().formatHex(sha.digest())));
        item.put("kind", s(isError ? "error_stream" : "rejected_record"));
        item.put("reason", s(truncate(reason, 2_000)));
        item.put("message", s(keptMessage));
        item.put("data", s(keptData));
        item.put("dataLength", AttributeValue.builder().n(String.valueOf(data.length())).build());
        item.put("recordId", s(row.seq + row.path));
        item.put("invocationId", s("flink"));
        item.put("applicationArn", s(truncate(applicationArn, 2_000)));
        item.put("retryHint", AttributeValue.builder().n("0").build());
        item.put("receivedAt", s(Instant.now().toString()));
        if (isError) {
          Map<String, AttributeValue> columns = new HashMap<>();
          for (JobSpec.Column column : ErrorRows.COLUMNS) {
            JsonNode value = json.get(column.name);
            if (value == null || value.isNull()) {
              columns.put(column.name, AttributeValue.builder().nul(true).build());
            } else {
              String text = value.isTextual() ? value.textValue() : value.toString();
              String kept = truncate(text, 24_000);
              truncated |= !kept.equals(text);
              columns.put(column.name, s(kept));
            }
          }
          item.put("errorStream", AttributeValue.builder().m(columns).build());
        }
        item.put("truncated", AttributeValue.builder().bool(truncated).build());
        return DynamoDbWriteRequest.builder()
            .setType(DynamoDbWriteRequestType.PUT)
            .setItem(item)
            .build();
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    }
  }
}
