import type Long from "long";

type Builtin = Date | Uint8Array | string | number | boolean | undefined;

/**
 * What a request accepts: any subset of the message's fields, recursively, with 64-bit integers
 * given as `number`, `string` or `Long`. Missing fields take protobuf's defaults.
 */
export type MessageInit<T> = T extends Builtin
  ? T
  : T extends Long
    ? string | number | Long
    : T extends ReadonlyArray<infer U>
      ? ReadonlyArray<MessageInit<U>>
      : T extends object
        ? { [K in keyof T]?: MessageInit<T[K]> }
        : Partial<T>;

/** The part of a ts-proto message object the adapter uses: filling defaults into a partial. */
export interface Codec<T> {
  fromPartial(object: MessageInit<T>): T;
}
