#!/usr/bin/env bash
# The import benchmark (make bench-import): the built bin/baobei imports a
# generated CSV of BENCH_IMPORT_ROWS (default 1,000,000) customers into a
# throw-away MariaDB database; it prints rows/s and the peak RSS, next to
# the yardstick: the same rows as raw multi-row INSERTs (1,000 a statement)
# into a plain table by the mysql client, on the same server in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${BENCH_IMPORT_ROWS:-1000000}
dsn=${BAOBEI_TEST_MYSQL_DSN:-$(bash scripts/ensure-mysql.sh)} || { echo "bench-import: needs MySQL/MariaDB" >&2; exit 1; }
CGO_ENABLED=0 go build -trimpath -o bin/baobei ./cmd/baobei
dir=$(mktemp -d)
db="bench_import_$$"
trap 'mysql -uroot -h127.0.0.1 -e "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1; rm -rf "$dir"' EXIT
mysql -uroot -h127.0.0.1 -e "CREATE DATABASE $db CHARACTER SET utf8mb4"

echo "客户名称,手机号,公司,微信,来源,等级,负责人" > "$dir/in.csv"
awk -v n="$rows" 'BEGIN { owners[0]="zhangsan"; owners[1]="lisi"; owners[2]="zhaowu"; owners[3]="";
  for (i = 1; i <= n; i++) printf "客户%d,13%09d,企业%d科技,wx%d,抖音,%s,%s\n", i, i, i, i, substr("ABC", i%3+1, 1), owners[i%4] }' >> "$dir/in.csv"

bin/baobei migrate --db "${dsn%/}/$db" >/dev/null
start=$(date +%s.%N)
/usr/bin/time -f "%M" -o "$dir/rss" bin/baobei import "$dir/in.csv" --db "${dsn%/}/$db"
end=$(date +%s.%N)
secs=$(echo "$end - $start" | bc -l)
echo "import: $rows rows in $(printf %.1f "$secs") s = $(printf %.0f "$(echo "$rows / $secs" | bc -l)") rows/s, peak RSS $(( $(cat "$dir/rss") / 1024 )) MB"

mysql -uroot -h127.0.0.1 "$db" -e "CREATE TABLE raw (id BIGINT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(64), phone VARCHAR(16) UNIQUE, company VARCHAR(200), wechat VARCHAR(64), source VARCHAR(64)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"
awk -v n="$rows" 'BEGIN { for (i = 1; i <= n; i++) { if (i % 1000 == 1) printf "INSERT INTO raw (name, phone, company, wechat, source) VALUES "; printf "(\"客户%d\",\"13%09d\",\"企业%d科技\",\"wx%d\",\"抖音\")", i, i, i, i; if (i % 1000 == 0 || i == n) print ";"; else printf "," } }' > "$dir/raw.sql"
start=$(date +%s.%N)
mysql -uroot -h127.0.0.1 "$db" < "$dir/raw.sql"
end=$(date +%s.%N)
secs=$(echo "$end - $start" | bc -l)
echo "yardstick: raw multi-row INSERT of $rows rows in $(printf %.1f "$secs") s = $(printf %.0f "$(echo "$rows / $secs" | bc -l)") rows/s"
