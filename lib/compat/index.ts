/**
 * Polyfills for the Node versions we support (imported for their side effect).
 */
import './promise-with-resolvers';
