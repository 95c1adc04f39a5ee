/**
 * A KDA SQL application's input schema as its owner has it: the JSON of the KDA API's `InputSchema`
 * (`RecordFormat`, `RecordEncoding`, `RecordColumns`), or the whole output of `aws kinesisanalytics
 * describe-application`, whose first input holds it. With it, `npm run replay` and `npm run translate`
 * run a user's own SQL file with the columns, types and mappings it was deployed with
 * (docs/flink.md, "Migrating your own KDA SQL application").
 */
import type { InputColumn, InputSchema, InputSqlType } from "./inputSchema";

/** A schema file that does not describe an input the emulator can map; the message names the field. */
export class InputSchemaError extends Error {
  override readonly name = "InputSchemaError";
}

const sqlTypePattern =
  /^\s*(VARCHAR|CHAR|BIGINT|INTEGER|INT|TIMESTAMP)\s*(?:\(\s*(\d+)\s*\))?\s*$/i;

const supportedTypes = "VARCHAR(n), CHAR(n), BIGINT, INTEGER or TIMESTAMP";

function parseSqlType(sqlType: string, field: string): InputSqlType {
  const match = sqlTypePattern.exec(sqlType);
  if (match === null) {
    throw new InputSchemaError(
      `${field} is ${JSON.stringify(sqlType)}; expected ${supportedTypes}`,
    );
  }
  const kind = match[1].toUpperCase();
  const length = match[2] === undefined ? undefined : Number(match[2]);
  if (kind === "VARCHAR" || kind === "CHAR") {
    if (length === undefined || length < 1) {
      throw new InputSchemaError(
        `${field} is ${JSON.stringify(sqlType)}; ${kind} needs a length of at least 1, as ${kind}(32)`,
      );
    }
    return { kind, length };
  }
  if (length !== undefined) {
    throw new InputSchemaError(`${field} is ${JSON.stringify(sqlType)}; ${kind} takes no length`);
  }
  return { kind: kind === "INT" ? "INTEGER" : (kind as "BIGINT" | "INTEGER" | "TIMESTAMP") };
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

function text(object: Record<string, unknown>, key: string, field: string): string {
  const value = object[key];
  if (typeof value !== "string" || value === "") {
    throw new InputSchemaError(`${field} is ${JSON.stringify(value)}; expected a non-empty string`);
  }
  return value;
}

/**
 * Reads a KDA input schema from `json` (the parsed file); `source` names the file in errors. The
 * in-application stream is `<NamePrefix>_001`, as KDA names it; the prefix defaults to KDA's
 * console default, `SOURCE_SQL_STREAM`.
 */
export function inputSchemaFromKda(json: unknown, source: string): InputSchema {
  let schema = json;
  let namePrefix = "SOURCE_SQL_STREAM";
  const detail = isObject(json) ? json.ApplicationDetail : undefined;
  if (isObject(detail)) {
    const input = Array.isArray(detail.InputDescriptions) ? detail.InputDescriptions[0] : undefined;
    if (!isObject(input)) {
      throw new InputSchemaError(`${source}: ApplicationDetail.InputDescriptions holds no input`);
    }
    schema = input.InputSchema;
    if (typeof input.NamePrefix === "string") namePrefix = input.NamePrefix;
  }
  if (!isObject(schema) || !Array.isArray(schema.RecordColumns)) {
    throw new InputSchemaError(
      `${source}: expected KDA's InputSchema ({"RecordFormat": ..., "RecordColumns": [...]}) or the ` +
        `output of aws kinesisanalytics describe-application`,
    );
  }
  const format = isObject(schema.RecordFormat) ? schema.RecordFormat : {};
  const formatType = format.RecordFormatType ?? "JSON";
  if (formatType !== "JSON") {
    throw new InputSchemaError(
      `${source}: RecordFormat.RecordFormatType is ${JSON.stringify(formatType)}; only JSON is supported`,
    );
  }
  const mapping = isObject(format.MappingParameters) ? format.MappingParameters : {};
  const jsonMapping = isObject(mapping.JSONMappingParameters) ? mapping.JSONMappingParameters : {};
  const recordRowPath = jsonMapping.RecordRowPath ?? "$";
  if (recordRowPath !== "$") {
    throw new InputSchemaError(
      `${source}: RecordFormat.MappingParameters.JSONMappingParameters.RecordRowPath is ` +
        `${JSON.stringify(recordRowPath)}; only "$" (one row per record) is supported`,
    );
  }
  const encoding = schema.RecordEncoding ?? "UTF-8";
  if (encoding !== "UTF-8") {
    throw new InputSchemaError(
      `${source}: RecordEncoding is ${JSON.stringify(encoding)}; only "UTF-8" is supported`,
    );
  }
  if (schema.RecordColumns.length === 0) {
    throw new InputSchemaError(`${source}: RecordColumns is empty; expected at least one column`);
  }
  const columns = schema.RecordColumns.map((entry: unknown, i: number): InputColumn => {
    const field = `${source}: RecordColumns[${i}]`;
    if (!isObject(entry)) throw new InputSchemaError(`${field} is not an object`);
    const name = text(entry, "Name", `${field}.Name`);
    const sqlType = text(entry, "SqlType", `${field}.SqlType`);
    const type = parseSqlType(sqlType, `${field}.SqlType`);
    const mapping =
      entry.Mapping === undefined ? `$.${name}` : text(entry, "Mapping", `${field}.Mapping`);
    return { name, sqlType: sqlType.trim().toUpperCase(), type, mapping };
  });
  return {
    namePrefix,
    streamName: `${namePrefix}_001`,
    recordFormat: "JSON",
    recordRowPath: "$",
    recordEncoding: "UTF-8",
    columns,
  };
}
