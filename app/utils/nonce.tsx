import { createContext, useContext } from "react";

/**
 * The CSP nonce of this document (server render only). Remix's inline scripts carry it; in the
 * browser it reads as "" (browsers hide nonces from the DOM), which React ignores on hydration.
 */
const NonceContext = createContext("");
export const NonceProvider = NonceContext.Provider;
export const useNonce = () => useContext(NonceContext);
