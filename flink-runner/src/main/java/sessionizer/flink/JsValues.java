package sessionizer.flink;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * JavaScript's text of values, so that messages and DATA_ROW built here are byte for byte the
 * harness's: {@code String(number)} and {@code JSON.stringify} (docs/semantics.md, "error_stream").
 */
public final class JsValues {
  private JsValues() {}

  /** {@code String(d)} of a JavaScript number. */
  public static String numberToString(double d) {
    if (Double.isNaN(d)) return "NaN";
    if (Double.isInfinite(d)) return d > 0 ? "Infinity" : "-Infinity";
    if (d == 0) return "0";
    // Shortest round-trip digits, then JavaScript's layout rules (ECMA-262 Number::toString).
    BigDecimal exact = new BigDecimal(Double.toString(Math.abs(d))).stripTrailingZeros();
    String digits = exact.unscaledValue().toString();
    int k = digits.length();
    int n = k - exact.scale();
    String sign = d < 0 ? "-" : "";
    if (k <= n && n <= 21) return sign + digits + "0".repeat(n - k);
    if (0 < n && n <= 21) return sign + digits.substring(0, n) + "." + digits.substring(n);
    if (-6 < n && n <= 0) return sign + "0." + "0".repeat(-n) + digits;
    String exponent = (n - 1 >= 0 ? "+" : "-") + Math.abs(n - 1);
    String mantissa = k == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
    return sign + mantissa + "e" + exponent;
  }

  /** {@code JSON.stringify(text)}. */
  public static String quote(String text) {
    StringBuilder out = new StringBuilder(text.length() + 2).append('"');
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\b' -> out.append("\\b");
        case '\f' -> out.append("\\f");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          boolean loneSurrogate =
              Character.isSurrogate(c)
                  && !(Character.isHighSurrogate(c)
                          && i + 1 < text.length()
                          && Character.isLowSurrogate(text.charAt(i + 1))
                      || Character.isLowSurrogate(c)
                          && i > 0
                          && Character.isHighSurrogate(text.charAt(i - 1)));
          if (c < 0x20 || loneSurrogate) out.append(String.format("\\u%04x", (int) c));
          else out.append(c);
        }
      }
    }
    return out.append('"').toString();
  }

  /** {@code JSON.stringify} of a parsed JSON value, as JavaScript would re-serialize it. */
  public static String stringify(JsonNode node) {
    if (node == null || node.isNull() || node.isMissingNode()) return "null";
    if (node.isTextual()) return quote(node.textValue());
    if (node.isBoolean()) return node.booleanValue() ? "true" : "false";
    if (node.isNumber()) {
      double d = node.doubleValue();
      return Double.isFinite(d) ? numberToString(d) : "null";
    }
    if (node.isArray()) {
      List<String> items = new ArrayList<>();
      for (JsonNode item : node) items.add(stringify(item));
      return "[" + String.join(",", items) + "]";
    }
    // JavaScript lists integer-like keys first, ascending, then the others in insertion order.
    List<Map.Entry<String, JsonNode>> indexKeys = new ArrayList<>();
    List<Map.Entry<String, JsonNode>> otherKeys = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      (isArrayIndex(field.getKey()) ? indexKeys : otherKeys).add(field);
    }
    indexKeys.sort((a, b) -> Long.compare(Long.parseLong(a.getKey()), Long.parseLong(b.getKey())));
    List<String> members = new ArrayList<>();
    for (List<Map.Entry<String, JsonNode>> group : List.of(indexKeys, otherKeys)) {
      for (Map.Entry<String, JsonNode> field : group) {
        members.add(quote(field.getKey()) + ":" + stringify(field.getValue()));
      }
    }
    return "{" + String.join(",", members) + "}";
  }

  private static boolean isArrayIndex(String key) {
    if (key.isEmpty() || key.length() > 10) return false;
    if (key.length() > 1 && key.charAt(0) == '0') return false;
    for (int i = 0; i < key.length(); i++) if (!Character.isDigit(key.charAt(i))) return false;
    return Long.parseLong(key) < 4294967295L;
  }

  /** Lower-case hex of bytes, at most {@code maxChars} characters (DATA_ROW's width). */
  public static String hex(byte[] bytes, int maxChars) {
    int count = Math.min(bytes.length, maxChars / 2);
    StringBuilder out = new StringBuilder(count * 2);
    for (int i = 0; i < count; i++) out.append(String.format("%02x", bytes[i] & 0xff));
    return out.toString();
  }
}
