/**
 * Every engine by its config name (`engine` in Pulumi.yaml). The pipeline picks the strategy here and
 * nowhere else; the type makes a name added to `engines` in config.ts without a strategy a compile
 * error. A new engine (Apache Flink, say) is one module beside these and one line below.
 */
import type { Engine } from "../config";
import type { EngineFactory } from "./engine";
import { KdaSqlEngine } from "./kdaSql";
import { LambdaEngine } from "./lambda";

export const engineStrategies: { readonly [E in Engine]: EngineFactory } = {
  "kda-sql": (name, args, opts) => new KdaSqlEngine(name, args, opts),
  lambda: (name, args, opts) => new LambdaEngine(name, args, opts),
};
