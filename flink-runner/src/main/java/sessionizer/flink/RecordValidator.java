package sessionizer.flink;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.Serializable;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The input mapping of docs/semantics.md ("Input mapping"), explicit: raw record bytes to the
 * source row's values, or to the error_stream row's ERROR_NAME and MESSAGE. Flink's JSON format
 * either fails the job or drops bad records; this never throws for bad data, so no record is lost.
 * Values and messages follow the harness (harness/emulator/inputMapping.ts) exactly, except the
 * text after "Record is not valid JSON: ", which is the parser's own (docs/flink.md).
 */
public final class RecordValidator implements Serializable {
  private static final long serialVersionUID = 1L;
  public static final String PARSE_ERROR = "Parse_Error";
  public static final String NOT_AN_OBJECT = "Not_A_JSON_Object";
  public static final String COERCION = "Type_Conversion_Error";
  private static final long MAX_SAFE = 9007199254740991L;
  private static final Pattern INTEGER_TEXT = Pattern.compile("-?[0-9]+");
  private static final Pattern TIMESTAMP_TEXT =
      Pattern.compile(
          "^(\\d{4})-(\\d{2})-(\\d{2})(?:[ T](\\d{2}):(\\d{2})(?::(\\d{2})(?:\\.(\\d{1,3}))?)?)?$");

  private final List<JobSpec.Column> columns;
  private transient ObjectMapper mapper;

  public RecordValidator(List<JobSpec.Column> columns) {
    this.columns = columns;
  }

  /**
   * The outcome for one record: values, or an error name and message. {@code cut}: every string
   * value the mapping cut to its column's length, with its length before the cut (the first column
   * wins for equal values, as the harness matches them); null, the common case, when none was.
   */
  public static final class Result {
    public final Object[] values;
    public final String errorName;
    public final String message;
    public final Map<String, Integer> cut;

    Result(Object[] values, String errorName, String message) {
      this(values, errorName, message, null);
    }

    Result(Object[] values, String errorName, String message, Map<String, Integer> cut) {
      this.values = values;
      this.errorName = errorName;
      this.message = message;
      this.cut = cut;
    }
  }

  private static final class Rejection extends Exception {
    private static final long serialVersionUID = 1L;
    final String errorName;

    Rejection(String errorName, String message) {
      super(message, null, false, false);
      this.errorName = errorName;
    }
  }

  private ObjectMapper mapper() {
    if (mapper == null) {
      mapper =
          JsonMapper.builder()
              .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
              .enable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
              .disable(JsonParser.Feature.AUTO_CLOSE_SOURCE)
              .build();
    }
    return mapper;
  }

  /**
   * Decodes bytes as UTF-8 (invalid sequences become U+FFFD and a leading byte-order mark is
   * dropped, as the harness's TextDecoder does) and maps them. {@code text} records (replay lines)
   * are taken as they are.
   */
  public Result validate(byte[] raw, boolean isText) {
    String text = decodeUtf8(raw);
    if (!isText && text.startsWith("\uFEFF")) text = text.substring(1);
    JsonNode parsed;
    try {
      parsed = text.isBlank() ? null : mapper().readTree(text);
      if (parsed == null || parsed.isMissingNode()) {
        return new Result(null, PARSE_ERROR, "Record is not valid JSON: Unexpected end of JSON input");
      }
    } catch (Exception e) {
      String why = e.getMessage() == null ? e.toString() : e.getMessage().split("\n")[0];
      return new Result(null, PARSE_ERROR, "Record is not valid JSON: " + why);
    }
    if (!parsed.isObject()) {
      String kind =
          parsed.isArray()
              ? "an array"
              : parsed.isNull()
                  ? "null"
                  : parsed.isTextual() ? "string" : parsed.isBoolean() ? "boolean" : "number";
      return new Result(null, NOT_AN_OBJECT, "Record is " + kind + ", not a JSON object");
    }
    Object[] values = new Object[columns.size()];
    Map<String, Integer> cut = null;
    try {
      for (int i = 0; i < columns.size(); i++) {
        JobSpec.Column column = columns.get(i);
        JsonNode value = parsed;
        for (String name : column.path) {
          value = value != null && value.isObject() ? value.get(name) : null;
        }
        if (value == null || value.isNull()) continue;
        String columnText = textOf(column, value);
        if (columnText != null && columnText.length() > column.length) {
          // Longer strings are truncated silently, as KDA documents for input columns; a pump's
          // overflow of the cut value names the length before the cut (docs/semantics.md).
          if (cut == null) cut = new HashMap<>();
          cut.putIfAbsent(columnText.substring(0, column.length), columnText.length());
        }
        values[i] = columnText != null ? stored(column, columnText) : coerce(column, value);
      }
    } catch (Rejection r) {
      return new Result(null, r.errorName, r.getMessage());
    }
    return new Result(values, null, null, cut);
  }

  static String decodeUtf8(byte[] raw) {
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPLACE)
          .onUnmappableCharacter(CodingErrorAction.REPLACE)
          .decode(ByteBuffer.wrap(raw))
          .toString();
    } catch (CharacterCodingException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The text of a VARCHAR or CHAR column's value before any cut; null for other columns. */
  private static String textOf(JobSpec.Column column, JsonNode value) throws Rejection {
    if (!column.kind.equals("VARCHAR") && !column.kind.equals("CHAR")) return null;
    if (value.isTextual()) return value.textValue();
    if (value.isNumber()) return JsValues.numberToString(value.doubleValue());
    if (value.isBoolean()) return value.booleanValue() ? "true" : "false";
    throw reject(column, value, "a string, number or boolean");
  }

  /** A VARCHAR or CHAR column's text as stored: cut to the column's length, CHAR blank-padded. */
  private static String stored(JobSpec.Column column, String text) {
    if (text.length() > column.length) return text.substring(0, column.length);
    if (column.kind.equals("CHAR") && text.length() < column.length) {
      return text + " ".repeat(column.length - text.length());
    }
    return text;
  }

  private Object coerce(JobSpec.Column column, JsonNode value) throws Rejection {
    switch (column.kind) {
      case "BIGINT":
      case "INTEGER":
        {
          // BIGINT is 64-bit, as the harness reads it (docs/semantics.md, "Types and overflow").
          long low = column.kind.equals("BIGINT") ? Long.MIN_VALUE : Integer.MIN_VALUE;
          long high = column.kind.equals("BIGINT") ? Long.MAX_VALUE : Integer.MAX_VALUE;
          Long n = integerValue(value, low, high);
          if (n == null) {
            throw reject(
                column,
                value,
                "an integer from "
                    + low
                    + " to "
                    + high
                    + ", as a number or a string of digits with an optional leading -");
          }
          return column.kind.equals("BIGINT") ? (Object) n : (Object) n.intValue();
        }
      case "TIMESTAMP":
        {
          if (value.isNumber()) {
            Long n = integerValue(value, -MAX_SAFE, MAX_SAFE);
            if (n != null && value.isIntegralNumber()) return n;
            double d = value.doubleValue();
            if (d == Math.rint(d) && Math.abs(d) <= MAX_SAFE) return (long) d;
          } else if (value.isTextual()) {
            String text = value.textValue();
            if (INTEGER_TEXT.matcher(text).matches()) {
              double d = Double.parseDouble(text);
              if (Math.abs(d) <= MAX_SAFE) return (long) d;
            }
            Long ms = parseTimestamp(text);
            if (ms != null) return ms;
          }
          throw reject(column, value, "epoch milliseconds or 'yyyy-MM-dd HH:mm:ss[.SSS]'");
        }
      default:
        throw new IllegalArgumentException("Unsupported input column type " + column.kind);
    }
  }

  /** The harness's integerValue: a number or plain integer text within [low, high]. */
  private static Long integerValue(JsonNode value, long low, long high) {
    double d;
    if (value.isNumber()) {
      if (value.isIntegralNumber()) {
        BigInteger big = value.bigIntegerValue();
        return big.compareTo(BigInteger.valueOf(low)) >= 0
                && big.compareTo(BigInteger.valueOf(high)) <= 0
            ? big.longValue()
            : null;
      }
      d = value.doubleValue();
    } else if (value.isTextual()) {
      String text = value.textValue();
      if (!INTEGER_TEXT.matcher(text).matches()) return null;
      BigInteger big = new BigInteger(text);
      if (big.signum() == 0) return 0L;
      return big.compareTo(BigInteger.valueOf(low)) >= 0
              && big.compareTo(BigInteger.valueOf(high)) <= 0
          ? big.longValue()
          : null;
    } else return null;
    if (!Double.isFinite(d) || d != Math.rint(d) || d < low || d > high) return null;
    return (long) d;
  }

  private static Long parseTimestamp(String text) {
    java.util.regex.Matcher m = TIMESTAMP_TEXT.matcher(text.trim());
    if (!m.matches()) return null;
    int[] f = new int[6];
    for (int i = 0; i < 6; i++) f[i] = m.group(i + 1) == null ? 0 : Integer.parseInt(m.group(i + 1));
    int millis = m.group(7) == null ? 0 : Integer.parseInt((m.group(7) + "00").substring(0, 3));
    if (f[1] < 1 || f[1] > 12 || f[3] > 23 || f[4] > 59 || f[5] > 59) return null;
    java.time.YearMonth month = java.time.YearMonth.of(f[0], f[1]);
    if (f[2] < 1 || f[2] > month.lengthOfMonth()) return null;
    return java.time.LocalDateTime.of(f[0], f[1], f[2], f[3], f[4], f[5])
            .toInstant(java.time.ZoneOffset.UTC)
            .toEpochMilli()
        + millis;
  }

  private static Rejection reject(JobSpec.Column column, JsonNode value, String allowed) {
    String shown = JsValues.stringify(value);
    if (shown.length() > 60) shown = shown.substring(0, 60) + "...";
    return new Rejection(
        COERCION,
        "Cannot map "
            + column.mapping
            + " value "
            + shown
            + " to "
            + column.kind
            + " column \""
            + column.name
            + "\"; expected "
            + allowed);
  }
}
