/**
 * Component tests run in jsdom on machines that are often busy (the whole suite, Chromium and a
 * crawler at once): waits for the UI get 5 s instead of Testing Library's 1 s, and tests 20 s.
 */
import { configure } from '@testing-library/react';

configure({ asyncUtilTimeout: 5_000 });
