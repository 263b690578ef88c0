/** The SeGW control API (XwAP LWIP procedures as JSON over mutually authenticated TLS 1.3): server, event bus, client. */
export { startControlApi, type ControlApi, type ControlApiOptions, type HealthReport } from "./server.js";
export { SegwEventBus, tunnelUpEvent, tunnelDownEvent, releaseRequiredEvent, type SegwEvent, type BusMessage, type SegwEventBusOptions } from "./events.js";
export { ControlApiClient, type ControlClientOptions, type ApiResponse, type StreamEvent } from "./client.js";
export type { ControlApiEnb } from "./peer-identity.js";
export { Causes, CAUSE_VALUES, type XwapCause, type LwipAdditionRequest, type GtpTunnelEndpoint } from "./xwap.js";
