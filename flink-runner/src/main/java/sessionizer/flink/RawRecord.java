package sessionizer.flink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.Serializable;
import java.util.Base64;

/**
 * One record as it arrives, before validation: its bytes and arrival time (epoch ms). Local runs
 * read it from a JSON line ({@code {"run", "arrivalTime", "data": base64, "text", "reject"}},
 * harness/flink/records.ts); deployed runs from a Kinesis record (its bytes and
 * ApproximateArrivalTimestamp).
 */
public class RawRecord implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** An independent stream within one local job (always 0 when deployed). */
  public int run;
  public long arrivalTime;
  public byte[] data;
  /** Text records keep a leading byte-order mark (the harness's rule for strings). */
  public boolean text;
  /** Set when the replay framing itself rejected the line: its ERROR_NAME and MESSAGE. */
  public String rejectName;
  public String rejectMessage;

  public RawRecord() {}

  public RawRecord(int run, long arrivalTime, byte[] data, boolean text) {
    this.run = run;
    this.arrivalTime = arrivalTime;
    this.data = data;
    this.text = text;
  }

  /** Parses one line of the local input; null for a blank line. */
  public static RawRecord fromLine(String line) throws Exception {
    if (line.isBlank()) return null;
    JsonNode record = MAPPER.readTree(line);
    RawRecord raw =
        new RawRecord(
            record.path("run").asInt(0),
            record.get("arrivalTime").asLong(),
            Base64.getDecoder().decode(record.get("data").asText()),
            record.path("text").asBoolean(false));
    JsonNode reject = record.get("reject");
    if (reject != null && !reject.isNull()) {
      raw.rejectName = reject.get("name").asText();
      raw.rejectMessage = reject.get("message").asText();
    }
    return raw;
  }
}
