import { thumbnailKeyFor } from '../../worker/src/output-key';

describe('thumbnailKeyFor', () => {
  it.each([
    ['incoming/cat.jpg', 'thumbnails/cat.jpg.png'],
    ['incoming/cat.png', 'thumbnails/cat.png.png'],
    ['incoming/2025/holiday photos/cat é.jpg', 'thumbnails/2025/holiday photos/cat é.jpg.png'],
  ])('maps %s to %s', (input, output) => {
    expect(thumbnailKeyFor(input)).toBe(output);
  });

  it('gives the same answer every time, which is what makes redelivery rewrite instead of duplicate', () => {
    expect(thumbnailKeyFor('incoming/a/b.gif')).toBe(thumbnailKeyFor('incoming/a/b.gif'));
  });

  it.each([['thumbnails/cat.jpg.png'], ['cat.jpg'], ['incomingcat.jpg'], ['incoming/'], ['incoming/folder/']])(
    'refuses %s (outside incoming/ or a folder placeholder)',
    (input) => {
      expect(thumbnailKeyFor(input)).toBeUndefined();
    },
  );
});
