/**
 * The `aws` resource provider plugin stand-in: a gRPC server speaking Pulumi's provider protocol,
 * started by the real Pulumi engine through `pulumi-resource-aws` beside this file (the project's
 * `plugins.providers` setting points at this directory). The rules it answers with live in
 * ./standIn.ts, which says why the stand-in exists; this file only converts messages.
 *
 * Protocol: the engine starts the plugin with its own address as the first argument; the plugin
 * listens on a free loopback port and prints only that port and a newline on stdout. Logs go to
 * stderr.
 *
 * `@pulumi/pulumi/provider`'s `main()` is not used: its server ignores `preview` in Create and
 * Update and returns no detailed diff, both of which the engine tests need.
 */
import * as grpc from "@grpc/grpc-js";
import * as emptyproto from "google-protobuf/google/protobuf/empty_pb";
import * as structproto from "google-protobuf/google/protobuf/struct_pb";
import * as plugproto from "@pulumi/pulumi/proto/plugin_pb";
import * as provrpc from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as provproto from "@pulumi/pulumi/proto/provider_pb";
import {
  checkInputs,
  configuredRegion,
  createResource,
  diffResource,
  fallbackRegion,
  invoke,
  resourceOf,
  updateResource,
  type Properties,
  type ResourceDiff,
} from "./standIn";

/** The pulumi-aws version the program's `@pulumi/aws` SDK asks for. */
const pluginVersion = "7.48.0";

/** As the Pulumi SDK's own servers: a Lambda archive sent inline can exceed gRPC's 4 MiB default. */
const maxMessageBytes = 400 * 1024 * 1024;

const kinds = provproto.PropertyDiff.Kind;
const replacingKind = {
  add: kinds.ADD_REPLACE,
  delete: kinds.DELETE_REPLACE,
  update: kinds.UPDATE_REPLACE,
} as const;
const updatingKind = { add: kinds.ADD, delete: kinds.DELETE, update: kinds.UPDATE } as const;

/** A Struct as a plain object (unknowns and secrets stay marked in band); {} for none. */
function fromStruct(struct: structproto.Struct | undefined): Properties {
  return struct?.toJavaScript() ?? {};
}

/** A plain object as a Struct; `undefined` members are left out, as JSON leaves them. */
function toStruct(properties: Properties): structproto.Struct {
  return structproto.Struct.fromJavaScript(JSON.parse(JSON.stringify(properties)));
}

/** A DiffResponse for a resource's (or, in DiffConfig, the provider's own) diff. */
function diffResponse(diff: ResourceDiff): provproto.DiffResponse {
  const response = new provproto.DiffResponse();
  const changes = provproto.DiffResponse.DiffChanges;
  response.setChanges(diff.changes.length > 0 ? changes.DIFF_SOME : changes.DIFF_NONE);
  response.setReplacesList([...diff.replaces]);
  response.setDiffsList([...diff.diffs]);
  response.setHasdetaileddiff(true);
  const detailed = response.getDetaileddiffMap();
  for (const change of diff.changes) {
    const property = new provproto.PropertyDiff();
    property.setKind((change.replaces ? replacingKind : updatingKind)[change.kind]);
    property.setInputdiff(true);
    detailed.set(change.path, property);
  }
  return response;
}

/** Diffs old inputs (the engine sends them beside the old outputs) against the checked news. */
function diffRequest(request: provproto.DiffRequest): provproto.DiffResponse {
  const { type } = resourceOf(request.getUrn());
  const olds = request.hasOldInputs() ? request.getOldInputs() : request.getOlds();
  return diffResponse(diffResource(type, fromStruct(olds), fromStruct(request.getNews())));
}

/** Wraps a handler so that a thrown error reaches the engine as the call's error, and stderr. */
function unary<Request, Response>(
  method: string,
  handle: (request: Request) => Response,
): grpc.handleUnaryCall<Request, Response> {
  return (call, callback) => {
    try {
      callback(null, handle(call.request));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      process.stderr.write(`aws stand-in: ${method} failed: ${message}\n`);
      callback({ code: grpc.status.UNKNOWN, details: message }, null);
    }
  };
}

/**
 * The provider's methods. Those left out (Handshake, Parameterize, Call, Construct, List) answer
 * UNIMPLEMENTED, grpc-js's default; the engine falls back from Handshake to Configure.
 */
function providerService(): Partial<provrpc.IResourceProviderServer> {
  // One plugin process serves one provider resource, so its one Configure sets the region.
  let region: string | undefined;
  const context = (): { region: string } => ({ region: region ?? fallbackRegion });

  return {
    getPluginInfo: unary("GetPluginInfo", () =>
      new plugproto.PluginInfo().setVersion(pluginVersion),
    ),
    getSchema: unary("GetSchema", () => new provproto.GetSchemaResponse().setSchema("{}")),
    checkConfig: unary("CheckConfig", (request: provproto.CheckRequest) =>
      new provproto.CheckResponse().setInputs(request.getNews()),
    ),
    // The provider's replacing input (`region`) is in the plan's table as `pulumi:providers:aws`.
    diffConfig: unary("DiffConfig", diffRequest),
    configure: unary("Configure", (request: provproto.ConfigureRequest) => {
      const variables = Object.fromEntries(request.getVariablesMap().toArray());
      region = configuredRegion(fromStruct(request.getArgs()), variables, process.env);
      return new provproto.ConfigureResponse()
        .setAcceptsecrets(true)
        .setAcceptresources(true)
        .setSupportspreview(true)
        .setAcceptoutputs(false);
    }),
    invoke: unary("Invoke", (request: provproto.InvokeRequest) =>
      new provproto.InvokeResponse().setReturn(
        toStruct(invoke(request.getTok(), context().region)),
      ),
    ),
    check: unary("Check", (request: provproto.CheckRequest) => {
      const { type, name } = resourceOf(request.getUrn());
      const olds = fromStruct(request.getOlds());
      const news = fromStruct(request.getNews());
      return new provproto.CheckResponse().setInputs(
        toStruct(checkInputs(type, name, olds, news, context())),
      );
    }),
    diff: unary("Diff", diffRequest),
    create: unary("Create", (request: provproto.CreateRequest) => {
      const { type, name } = resourceOf(request.getUrn());
      const inputs = fromStruct(request.getProperties());
      const created = createResource(type, name, inputs, context(), request.getPreview());
      return new provproto.CreateResponse()
        .setId(created.id)
        .setProperties(toStruct(created.outputs));
    }),
    // Refresh finds no drift: nothing outside the engine changes the stand-in's resources.
    read: unary("Read", (request: provproto.ReadRequest) =>
      new provproto.ReadResponse()
        .setId(request.getId())
        .setProperties(request.getProperties())
        .setInputs(request.getInputs()),
    ),
    update: unary("Update", (request: provproto.UpdateRequest) => {
      const { type, name } = resourceOf(request.getUrn());
      const outputs = updateResource(
        type,
        name,
        fromStruct(request.getOlds()),
        fromStruct(request.getOldInputs()),
        fromStruct(request.getNews()),
        context(),
        request.getPreview(),
      );
      return new provproto.UpdateResponse().setProperties(toStruct(outputs));
    }),
    delete: unary("Delete", () => new emptyproto.Empty()),
    cancel: unary("Cancel", () => new emptyproto.Empty()),
    attach: unary("Attach", () => new emptyproto.Empty()),
    getMapping: unary("GetMapping", () => new provproto.GetMappingResponse()),
    getMappings: unary("GetMappings", () => new provproto.GetMappingsResponse()),
  };
}

/** Serves the provider on a free loopback port and prints the port, as the engine expects. */
async function serve(): Promise<void> {
  const server = new grpc.Server({
    "grpc.max_receive_message_length": maxMessageBytes,
    "grpc.max_send_message_length": maxMessageBytes,
  });
  server.addService(
    provrpc.ResourceProviderService,
    providerService() as grpc.UntypedServiceImplementation,
  );
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );
  process.stdout.write(`${port}\n`);
}

serve().catch((error: unknown) => {
  process.stderr.write(`aws stand-in: cannot serve: ${String(error)}\n`);
  process.exit(1);
});
