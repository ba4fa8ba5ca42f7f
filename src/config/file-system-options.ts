/** Options of the file systems behind hdfs:// URIs (reached through WebHDFS, the NameNode's HTTP interface). */
import { durationOption, positiveDuration, stringOption } from './config-option.js';

export const FileSystemOptions = Object.freeze({
  WEBHDFS_ADDRESS: stringOption('fs.hdfs.webhdfs.address', undefined, {
    description:
      "The NameNode's HTTP (WebHDFS) address as host:port or http://host:port, used for hdfs:// paths when " +
      "$HADOOP_CONF_DIR/hdfs-site.xml does not name it (dfs.namenode.http-address). If neither is set, port 9870 " +
      'on the host of the hdfs:// URI.',
  }),
  WEBHDFS_TIMEOUT: durationOption('fs.hdfs.webhdfs.timeout', 60_000, {
    description:
      'How long a WebHDFS request may wait for an answer, and how long a read or write stream may stall, before it fails.',
    validate: positiveDuration,
  }),
});
