/**
 * Preact, its hooks and htm, from the one vendor module the server serves out of node_modules
 * (htm/preact/standalone.module.js). Every module imports them from here, so the vendor file is
 * named in one place.
 */
export { html, render, h, Component, createContext, useState, useReducer, useEffect, useLayoutEffect, useRef, useMemo, useCallback, useContext, useErrorBoundary } from '../vendor/preact-htm.js';
