/**
 * One `hearth fix` at a time in a checkout, and none while a Hearth window's agent works
 * there: the lock is shared with the runtime, so it lives in src/agent/checkout-lock.ts.
 */
export { CheckoutBusyError, hearthStateDir, LockFolderError, lockCheckout } from "../agent/checkout-lock.ts";
