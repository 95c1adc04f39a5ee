package sessionizer.flink;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Map;
import org.apache.flink.table.annotation.DataTypeHint;
import org.apache.flink.table.annotation.FunctionHint;
import org.apache.flink.table.functions.AggregateFunction;
import org.apache.flink.table.functions.UserDefinedFunction;

/**
 * KDA's RANGE frames, exactly: {@code f(x) OVER (PARTITION BY ... RANGE INTERVAL 'n' unit
 * PRECEDING)} sees the partition's rows whose ROWTIME is at most n before the current row's, the
 * current row and earlier arrivals only (docs/semantics.md, "Functions"). Flink's own RANGE frames
 * order by a time attribute whose equal values are peers that see each other, so the translator
 * uses these aggregates over the default frame of the unique arrival time {@code $t} instead:
 * Flink feeds them every earlier row of the partition in arrival order, and each keeps only the
 * rows inside the range, as harness/emulator/windows.ts does, with the same arithmetic (a running
 * sum in doubles, {@code trunc(sum / count)} for AVG). docs/flink.md, "Window functions".
 */
public final class RangeFunctions {
  private RangeFunctions() {}

  /** The functions by the name the translated SQL calls them. */
  public static Map<String, Class<? extends UserDefinedFunction>> all() {
    return Map.ofEntries(
        Map.entry("KDA_RANGE_COUNT", Count.class),
        Map.entry("KDA_RANGE_SUM", Sum.class),
        Map.entry("KDA_RANGE_AVG", Avg.class),
        Map.entry("KDA_RANGE_MIN_BIGINT", MinBigint.class),
        Map.entry("KDA_RANGE_MAX_BIGINT", MaxBigint.class),
        Map.entry("KDA_RANGE_MIN_STRING", MinString.class),
        Map.entry("KDA_RANGE_MAX_STRING", MaxString.class),
        Map.entry("KDA_RANGE_MIN_DOUBLE", MinDouble.class),
        Map.entry("KDA_RANGE_MAX_DOUBLE", MaxDouble.class),
        Map.entry("KDA_RANGE_FIRST_BIGINT", FirstBigint.class),
        Map.entry("KDA_RANGE_FIRST_STRING", FirstString.class),
        Map.entry("KDA_RANGE_FIRST_DOUBLE", FirstDouble.class),
        Map.entry("KDA_RANGE_FIRST_BOOLEAN", FirstBoolean.class),
        Map.entry("KDA_LAG_IGNORE_NULLS_BIGINT", LagBigint.class),
        Map.entry("KDA_LAG_IGNORE_NULLS_STRING", LagString.class),
        Map.entry("KDA_LAG_IGNORE_NULLS_DOUBLE", LagDouble.class),
        Map.entry("KDA_LAG_IGNORE_NULLS_BOOLEAN", LagBoolean.class));
  }

  /** The rows of one partition inside the frame: ROWTIME and value, oldest first. */
  public static class Frame implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    public ArrayList<Long> times = new ArrayList<>();
    public ArrayList<Object> values = new ArrayList<>();
    public int head;
    /** The frame index LAG IGNORE NULLS answers with, set by accumulate for getValue. */
    public long lagIndex;
    /** The running total of SUM and AVG, exact as the harness keeps it (beyond 2^63 too). */
    public BigInteger total = BigInteger.ZERO;
    /** Rows seen in the partition (LAG IGNORE NULLS over ROWS counts positions with it). */
    public long rows;

    int size() {
      return times.size() - head;
    }

    Object value(int i) {
      return values.get(head + i);
    }

    void push(long time, Object value) {
      times.add(time);
      values.add(value);
    }

    void popBack() {
      times.remove(times.size() - 1);
      values.remove(values.size() - 1);
    }

    Object back() {
      return values.get(values.size() - 1);
    }

    /** Drops rows older than {@code lowest}; returns the exact sum of the dropped BIGINT values. */
    BigInteger evictBelowSumming(long lowest) {
      BigInteger dropped = BigInteger.ZERO;
      for (int i = head; i < times.size() && times.get(i) < lowest; i++) {
        if (values.get(i) instanceof Long n) dropped = dropped.add(BigInteger.valueOf(n));
      }
      evictBelow(lowest);
      return dropped;
    }

    /** Drops rows older than {@code lowest}. */
    void evictBelow(long lowest) {
      while (head < times.size() && times.get(head) < lowest) head++;
      if (head > 32 && head * 2 > times.size()) {
        times = new ArrayList<>(times.subList(head, times.size()));
        values = new ArrayList<>(values.subList(head, values.size()));
        head = 0;
      }
    }
  }

  @FunctionHint(accumulator = @DataTypeHint(value = "RAW", bridgedTo = Frame.class))
  abstract static class RangeAggregate<T> extends AggregateFunction<T, Frame> {
    @Override
    public Frame createAccumulator() {
      return new Frame();
    }
  }

  /** {@code KDA_RANGE_COUNT(present, rowtime, span)}: COUNT(*) with present TRUE, COUNT(x) with x IS NOT NULL. */
  public static class Count extends RangeAggregate<Long> {
    public void accumulate(Frame f, Boolean present, Long rowtime, Long span) {
      f.evictBelow(rowtime - span);
      if (Boolean.TRUE.equals(present)) f.push(rowtime, null);
    }

    @Override
    public Long getValue(Frame f) {
      return (long) f.size();
    }
  }

  /** The exact running total of SUM and AVG over the frame. */
  static void total(Frame f, Long value, Long rowtime, Long span) {
    f.total = f.total.subtract(f.evictBelowSumming(rowtime - span));
    if (value != null) {
      f.push(rowtime, value);
      f.total = f.total.add(BigInteger.valueOf(value));
    }
    if (f.size() == 0) f.total = BigInteger.ZERO;
  }

  /**
   * {@code KDA_RANGE_SUM(x, rowtime, span)}: the exact total as DECIMAL(38, 0), NULL over no
   * non-NULL value; the translated SQL fails the row when it leaves the BIGINT range, as the
   * harness does.
   */
  @FunctionHint(
      accumulator = @DataTypeHint(value = "RAW", bridgedTo = Frame.class),
      output = @DataTypeHint("DECIMAL(38, 0)"))
  public static class Sum extends AggregateFunction<BigDecimal, Frame> {
    @Override
    public Frame createAccumulator() {
      return new Frame();
    }

    public void accumulate(Frame f, Long value, Long rowtime, Long span) {
      total(f, value, rowtime, span);
    }

    @Override
    public BigDecimal getValue(Frame f) {
      return f.size() == 0 ? null : new BigDecimal(f.total);
    }
  }

  /** {@code KDA_RANGE_AVG(x, rowtime, span)}: trunc(sum / count), NULL over no non-NULL value. */
  public static class Avg extends RangeAggregate<Long> {
    private static final BigInteger MAX_SAFE = BigInteger.valueOf(9007199254740991L);

    public void accumulate(Frame f, Long value, Long rowtime, Long span) {
      total(f, value, rowtime, span);
    }

    @Override
    public Long getValue(Frame f) {
      if (f.size() == 0) return null;
      // The harness divides a total that fits a double in doubles, a larger one exactly.
      if (f.total.abs().compareTo(MAX_SAFE) <= 0) {
        return (long) (f.total.doubleValue() / f.size());
      }
      return f.total.divide(BigInteger.valueOf(f.size())).longValue();
    }
  }

  /** MIN and MAX with a monotonic queue: a value that can never again be the extreme is dropped. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  static void extreme(Frame f, Comparable value, long rowtime, long span, boolean min) {
    f.evictBelow(rowtime - span);
    if (value == null) return;
    while (f.size() > 0) {
      int c = ((Comparable) f.back()).compareTo(value);
      if (min ? c >= 0 : c <= 0) f.popBack();
      else break;
    }
    f.push(rowtime, value);
  }

  public static class MinBigint extends RangeAggregate<Long> {
    public void accumulate(Frame f, Long value, Long rowtime, Long span) {
      extreme(f, value, rowtime, span, true);
    }

    @Override
    public Long getValue(Frame f) {
      return f.size() == 0 ? null : (Long) f.value(0);
    }
  }

  public static class MaxBigint extends MinBigint {
    @Override
    public void accumulate(Frame f, Long value, Long rowtime, Long span) {
      extreme(f, value, rowtime, span, false);
    }
  }

  public static class MinString extends RangeAggregate<String> {
    public void accumulate(Frame f, String value, Long rowtime, Long span) {
      extreme(f, value, rowtime, span, true);
    }

    @Override
    public String getValue(Frame f) {
      return f.size() == 0 ? null : (String) f.value(0);
    }
  }

  public static class MaxString extends MinString {
    @Override
    public void accumulate(Frame f, String value, Long rowtime, Long span) {
      extreme(f, value, rowtime, span, false);
    }
  }

  public static class MinDouble extends RangeAggregate<Double> {
    public void accumulate(Frame f, Double value, Long rowtime, Long span) {
      extreme(f, value, rowtime, span, true);
    }

    @Override
    public Double getValue(Frame f) {
      return f.size() == 0 ? null : (Double) f.value(0);
    }
  }

  public static class MaxDouble extends MinDouble {
    @Override
    public void accumulate(Frame f, Double value, Long rowtime, Long span) {
      extreme(f, value, rowtime, span, false);
    }
  }

  /** {@code KDA_RANGE_FIRST_x(value, ignoreNulls, rowtime, span)}: the oldest row in the range. */
  static void first(Frame f, Object value, long rowtime, long span, boolean ignoreNulls) {
    f.evictBelow(rowtime - span);
    if (value != null || !ignoreNulls) f.push(rowtime, value);
  }

  public static class FirstBigint extends RangeAggregate<Long> {
    public void accumulate(Frame f, Long value, Boolean ignoreNulls, Long rowtime, Long span) {
      first(f, value, rowtime, span, ignoreNulls);
    }

    @Override
    public Long getValue(Frame f) {
      return f.size() == 0 ? null : (Long) f.value(0);
    }
  }

  public static class FirstString extends RangeAggregate<String> {
    public void accumulate(Frame f, String value, Boolean ignoreNulls, Long rowtime, Long span) {
      first(f, value, rowtime, span, ignoreNulls);
    }

    @Override
    public String getValue(Frame f) {
      return f.size() == 0 ? null : (String) f.value(0);
    }
  }

  public static class FirstDouble extends RangeAggregate<Double> {
    public void accumulate(Frame f, Double value, Boolean ignoreNulls, Long rowtime, Long span) {
      first(f, value, rowtime, span, ignoreNulls);
    }

    @Override
    public Double getValue(Frame f) {
      return f.size() == 0 ? null : (Double) f.value(0);
    }
  }

  public static class FirstBoolean extends RangeAggregate<Boolean> {
    public void accumulate(Frame f, Boolean value, Boolean ignoreNulls, Long rowtime, Long span) {
      first(f, value, rowtime, span, ignoreNulls);
    }

    @Override
    public Boolean getValue(Frame f) {
      return f.size() == 0 ? null : (Boolean) f.value(0);
    }
  }

  /**
   * {@code KDA_LAG_IGNORE_NULLS_x(value, offset, isRange, rowtime, span)}: LAG ... IGNORE NULLS,
   * which Flink's LAG lacks. The frame holds the non-NULL values of the last {@code span} rows (ROWS)
   * or of the last {@code span} ms (RANGE); the result is the {@code offset}-th one before the
   * current row, NULL when there is none (the caller supplies the default).
   */
  static void lag(Frame f, Object value, long offset, boolean isRange, long rowtime, long span) {
    long position = isRange ? rowtime : f.rows;
    f.rows++;
    f.evictBelow(position - span);
    boolean keep = value != null;
    if (keep) f.push(position, value);
    long index = f.size() - (keep ? 1 : 0) - offset;
    f.lagIndex = index;
  }

  static Object lagValue(Frame f) {
    return f.lagIndex >= 0 && f.lagIndex < f.size() ? f.value((int) f.lagIndex) : null;
  }

  public static class LagBigint extends RangeAggregate<Long> {
    public void accumulate(
        Frame f, Long value, Long offset, Boolean isRange, Long rowtime, Long span) {
      lag(f, value, offset, isRange, rowtime, span);
    }

    @Override
    public Long getValue(Frame f) {
      return (Long) lagValue(f);
    }
  }

  public static class LagString extends RangeAggregate<String> {
    public void accumulate(
        Frame f, String value, Long offset, Boolean isRange, Long rowtime, Long span) {
      lag(f, value, offset, isRange, rowtime, span);
    }

    @Override
    public String getValue(Frame f) {
      return (String) lagValue(f);
    }
  }

  public static class LagDouble extends RangeAggregate<Double> {
    public void accumulate(
        Frame f, Double value, Long offset, Boolean isRange, Long rowtime, Long span) {
      lag(f, value, offset, isRange, rowtime, span);
    }

    @Override
    public Double getValue(Frame f) {
      return (Double) lagValue(f);
    }
  }

  public static class LagBoolean extends RangeAggregate<Boolean> {
    public void accumulate(
        Frame f, Boolean value, Long offset, Boolean isRange, Long rowtime, Long span) {
      lag(f, value, offset, isRange, rowtime, span);
    }

    @Override
    public Boolean getValue(Frame f) {
      return (Boolean) lagValue(f);
    }
  }
}
