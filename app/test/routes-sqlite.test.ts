/** Route tests on a temporary SQLite file (always run). */
import { defineRouteTests } from "./route-suite.js";

defineRouteTests("SQLite");
