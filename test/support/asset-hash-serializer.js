/**
 * Jest snapshot serializer: CDK asset hashes change whenever a bundled file or the toolchain
 * changes, on any machine. Replace them with a fixed token so snapshots hold the architecture,
 * not the bytes of every asset.
 */
const ASSET_HASH = /[0-9a-f]{64}/g;
const NORMALIZED = '[ASSET_HASH]';

module.exports = {
  test(value) {
    return typeof value === 'string' && value !== value.replace(ASSET_HASH, NORMALIZED);
  },
  serialize(value, config, indentation, depth, refs, printer) {
    return printer(value.replace(ASSET_HASH, NORMALIZED), config, indentation, depth, refs);
  },
};
