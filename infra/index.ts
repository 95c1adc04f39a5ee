/**
 * The entry point the Pulumi CLI loads (package.json "main"; Pulumi.yaml sets no `main`, so the
 * program's directory is the project root, where tsconfig.pulumi.json is). The program itself is
 * `pipelineProgram` (infra/program.ts); its outputs are this module's exports.
 */
import { pipelineProgram } from "./program";

export = pipelineProgram();
