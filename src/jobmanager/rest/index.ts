/**
 * The JobManager's REST API, speaking Flink's endpoints and JSON field names on `rest.port` (8081).
 *
 * ```ts
 * const rest = new RestServerEndpoint({
 *   gateway: dispatcher, bindAddress: '0.0.0.0', port: '8081', maxContentLength: 104857600,
 *   uploadDir: '/tmp/flink-web-upload', flinkVersion: '0.1.0', flinkRevision: 'abc1234',
 * });
 * await rest.start();   // rest.url → http://localhost:8081
 * await rest.close();
 * ```
 *
 * Every handler answers both unversioned and under `/v1/`; errors are `{"errors": [...]}` with Flink's status
 * codes. GETs outside the API go to the optional `staticHandler`: `webUiHandler()` serves the web dashboard.
 */
export {
  RestServerEndpoint,
  InvalidRestPortError,
  RestBindError,
  parsePortSpec,
  type RestServerEndpointOptions,
  type RestServerEndpointState,
  type StaticHandler,
} from './rest-server-endpoint.js';
export { RestHandlerError } from './rest-errors.js';
export { tokenizeArguments } from './jar-handlers.js';
export { webUiHandler, DEFAULT_WEB_ROOT } from './web-ui.js';
