package sessionizer.flink;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Pattern;

/**
 * error_stream rows (docs/semantics.md, "error_stream"). A pump's failed row comes out of the
 * translated SQL as an error code and its arguments ({@code $err}); the message text is rendered
 * here, word for word as the harness writes it, because SQL cannot print a JavaScript number.
 */
public final class ErrorRows {
  private ErrorRows() {}

  private static final double MAX_SAFE = 9007199254740991d;
  private static final Pattern INTEGER_TEXT = Pattern.compile("-?[0-9]+");
  public static final List<JobSpec.Column> COLUMNS =
      List.of(
          column("ERROR_TIME", "TIMESTAMP", null),
          column("ERROR_LEVEL", "VARCHAR", 10),
          column("ERROR_NAME", "VARCHAR", 32),
          column("MESSAGE", "VARCHAR", 4096),
          column("DATA_ROWTIME", "TIMESTAMP", null),
          column("DATA_ROW", "VARCHAR", 49152),
          column("PUMP_NAME", "VARCHAR", 128));

  private static JobSpec.Column column(String name, String kind, Integer length) {
    JobSpec.Column c = new JobSpec.Column();
    c.name = name;
    c.kind = kind;
    c.length = length;
    return c;
  }

  private static String cut(String text, int length) {
    return text == null || text.length() <= length ? text : text.substring(0, length);
  }

  /** The delivery JSON of one error_stream row. */
  public static String json(
      long rowtime, String errorName, String message, String dataRowHex, String pumpName) {
    Object[] values = {
      rowtime,
      "ERROR",
      cut(errorName, 32),
      cut(message, 4096),
      rowtime,
      cut(dataRowHex, 49152),
      cut(pumpName, 128)
    };
    return Delivery.object(COLUMNS, values);
  }

  /** DATA_ROW of an input error: the raw record as hex. */
  public static String hexOf(byte[] raw) {
    return JsValues.hex(raw, 49152);
  }

  /** DATA_ROW of a pump error: the hex of the pump's input row as delivery JSON. */
  public static String hexOfRow(List<JobSpec.Column> columns, Object[] values) {
    return JsValues.hex(Delivery.object(columns, values).getBytes(StandardCharsets.UTF_8), 49152);
  }

  /** ERROR_NAME of a pump error code. */
  public static String name(String[] err) {
    return err[0];
  }

  /**
   * MESSAGE of a pump error code, as harness/emulator/sqlTypes.ts and operators.ts word it:
   * <ul>
   *   <li>{@code [Value_Too_Long, column, type text, length, value, original length]}: the
   *       original length (null unless the value equals a value the input mapping cut) is the
   *       value's length before that cut
   *   <li>{@code [Numeric_Overflow, kind, a, operator, b]}: a and b are integers; the value is
   *       JavaScript's double result of the operation
   *   <li>{@code [Numeric_Overflow, kind, what, value]}: a value outside the column's range
   *   <li>{@code [Numeric_Overflow, TO_TIMESTAMP, ms]}
   *   <li>{@code [Division_By_Zero, text]}
   *   <li>{@code [Type_Conversion_Error, text, type text]}: a CAST of text that is no such value
   * </ul>
   */
  public static String message(String[] err) {
    switch (err[0]) {
      case "Value_Too_Long":
        {
          String text = err[4];
          String shown = JsValues.quote(text.length() > 80 ? text.substring(0, 80) + "..." : text);
          String originalLength = err.length > 5 ? err[5] : null;
          String characters =
              originalLength == null
                  ? text.length() + " characters (" + shown + ")"
                  : originalLength
                      + " characters (truncated to "
                      + text.length()
                      + " on input: "
                      + shown
                      + ")";
          return "Value too long for column \""
              + err[1]
              + "\" "
              + err[2]
              + ": "
              + characters
              + "; allowed at most "
              + err[3];
        }
      case "Numeric_Overflow":
        {
          if (err[1].equals("TO_TIMESTAMP")) {
            return "TO_TIMESTAMP("
                + err[2]
                + ") is outside the TIMESTAMP range of ±8640000000000000 ms around 1970-01-01";
          }
          String kind = err[1];
          String what;
          String value;
          if (err.length == 5 && kind.equals("BIGINT")) {
            // The harness computes a BIGINT result exactly (a bigint) and prints its digits.
            BigInteger a = new BigInteger(err[2]);
            BigInteger b = new BigInteger(err[4]);
            BigInteger result =
                switch (err[3]) {
                  case "+" -> a.add(b);
                  case "-" -> a.subtract(b);
                  case "*" -> a.multiply(b);
                  default -> a.divide(b);
                };
            what = a + " " + err[3] + " " + b;
            value = result.toString();
          } else if (err.length == 5) {
            // An INTEGER result is JavaScript's double result of the operation.
            double a = Double.parseDouble(err[2]);
            double b = Double.parseDouble(err[4]);
            double result =
                switch (err[3]) {
                  case "+" -> a + b;
                  case "-" -> a - b;
                  case "*" -> a * b;
                  default -> Math.signum(a / b) * Math.floor(Math.abs(a / b));
                };
            what = JsValues.numberToString(a) + " " + err[3] + " " + JsValues.numberToString(b);
            value = JsValues.numberToString(result);
          } else {
            what = err[2];
            value = checkedValueText(err[3]);
          }
          String low =
              kind.equals("BIGINT")
                  ? String.valueOf(Long.MIN_VALUE)
                  : kind.equals("INTEGER") ? "-2147483648" : "-32768";
          String high =
              kind.equals("BIGINT")
                  ? String.valueOf(Long.MAX_VALUE)
                  : kind.equals("INTEGER") ? "2147483647" : "32767";
          return "Numeric overflow in "
              + what
              + ": "
              + value
              + " is outside "
              + kind
              + " range "
              + low
              + ".."
              + high;
        }
      case "Division_By_Zero":
        return err[1];
      case "Type_Conversion_Error":
        return "Cannot CAST " + JsValues.quote(err[1]) + " to " + err[2];
      default:
        throw new IllegalArgumentException("Unknown error code " + String.join(",", err));
    }
  }

  /**
   * A value a range check refused, as the harness prints it (sqlTypes.ts checkInteger): an integer
   * exactly; a double's truncation as a JavaScript number while it is a safe integer, and beyond
   * 2^53 as the exact digits of the bigint it then becomes.
   */
  static String checkedValueText(String text) {
    if (INTEGER_TEXT.matcher(text).matches()) return new BigInteger(text).toString();
    double d = Double.parseDouble(text);
    if (Double.isFinite(d) && Math.abs(d) > MAX_SAFE) {
      return new BigDecimal(d).toBigInteger().toString();
    }
    return JsValues.numberToString(d);
  }
}
