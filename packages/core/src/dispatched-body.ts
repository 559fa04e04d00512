/**
 * A dispatched request's body, whole, beside the stream that also carries it
 * (set by `dispatchToApp`): the service apps' body reader takes it from here
 * without running the stream. Internal to core (not exported by its index);
 * any other reader reads the stream, as from a socket.
 */
export const DISPATCHED_BODY = Symbol('hma-lab.dispatched-request-body');
