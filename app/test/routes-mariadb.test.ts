/** The same route tests on a real MariaDB/MySQL server named by TEST_MYSQL_URL (its tables are dropped). */
import { describe, it } from "node:test";
import { defineRouteTests } from "./route-suite.js";

const url = process.env.TEST_MYSQL_URL;
if (url) defineRouteTests(`MariaDB (${url.replace(/:[^:@/]*@/, ":***@")})`, url);
else {
  describe("routes on MariaDB", () => {
    it(
      "needs a database",
      { skip: "TEST_MYSQL_URL not set (harness/services/mariadb.sh start)" },
      () => {},
    );
  });
}
