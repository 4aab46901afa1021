import type { Services } from "../../services/services.js";

/** What the image/content domain objects need from their client. @internal */
export interface StoreContext {
  readonly services: Services;
  readonly namespace: string;
}
