/** One JSON document per snapshot (NDJSON). */
module io.leakdetector.export.json {
  requires io.leakdetector.api;
  requires com.fasterxml.jackson.databind;
}
