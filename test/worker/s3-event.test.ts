import { MalformedMessageError, parseS3EventMessage } from '../../worker/src/s3-event';
import { s3EventBody, s3TestEventBody } from './support/local-aws';

describe('parseS3EventMessage', () => {
  it('reads the bucket and the decoded key of an ObjectCreated record', () => {
    const body = s3EventBody('input-bucket', 'incoming/holiday photos/cat é+dog.jpg');
    expect(parseS3EventMessage(body)).toEqual({
      kind: 'records',
      created: [{ bucket: 'input-bucket', key: 'incoming/holiday photos/cat é+dog.jpg' }],
      ignoredEventNames: [],
    });
  });

  it('decodes + as a space and %2B as a plus, the way S3 encodes keys', () => {
    const body = JSON.stringify({
      Records: [{ eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'b-1' }, object: { key: 'incoming/a+b%2Bc.png' } } }],
    });
    expect(parseS3EventMessage(body)).toMatchObject({ created: [{ key: 'incoming/a b+c.png' }] });
  });

  it('recognises the S3 test event', () => {
    expect(parseS3EventMessage(s3TestEventBody('input-bucket'))).toEqual({ kind: 'test-event' });
  });

  it('keeps every created object and lists the event names it ignores', () => {
    const body = JSON.stringify({
      Records: [
        { eventName: 'ObjectCreated:CompleteMultipartUpload', s3: { bucket: { name: 'b-1' }, object: { key: 'incoming/a.png' } } },
        { eventName: 'ObjectRemoved:Delete', s3: { bucket: { name: 'b-1' }, object: { key: 'incoming/b.png' } } },
        { eventName: 'ObjectCreated:Copy', s3: { bucket: { name: 'b-1' }, object: { key: 'incoming/c.png' } } },
      ],
    });
    expect(parseS3EventMessage(body)).toEqual({
      kind: 'records',
      created: [
        { bucket: 'b-1', key: 'incoming/a.png' },
        { bucket: 'b-1', key: 'incoming/c.png' },
      ],
      ignoredEventNames: ['ObjectRemoved:Delete'],
    });
  });

  it.each([
    ['not JSON', 'hello', 'message body is not JSON'],
    ['JSON that is not an object', '[1,2]', 'message body is not a JSON object'],
    ['JSON null', 'null', 'message body is not a JSON object'],
    ['no Records', '{"foo":1}', 'message has no Records array'],
    ['empty Records', '{"Records":[]}', 'message has no Records array'],
    ['a record without eventName', '{"Records":[{"s3":{}}]}', 'Records[0] has no eventName'],
    ['a record that is not an object', '{"Records":["x"]}', 'Records[0] has no eventName'],
    [
      'no bucket name',
      '{"Records":[{"eventName":"ObjectCreated:Put","s3":{"object":{"key":"incoming/a"}}}]}',
      'Records[0].s3.bucket.name is missing',
    ],
    [
      'no object key',
      '{"Records":[{"eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"b-1"},"object":{}}}]}',
      'Records[0].s3.object.key is missing',
    ],
    ['no s3 section', '{"Records":[{"eventName":"ObjectCreated:Put"}]}', 'Records[0].s3.bucket.name is missing'],
    [
      'a broken %-escape in the key',
      '{"Records":[{"eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"b-1"},"object":{"key":"incoming/%E0%A4%A"}}}]}',
      'Records[0].s3.object.key is not valid URL encoding',
    ],
    [
      'an SNS envelope (raw delivery off)',
      JSON.stringify({ Type: 'Notification', Message: s3EventBody('b-1', 'incoming/a.png') }),
      'enable raw message delivery',
    ],
  ])('rejects %s as a MalformedMessageError', (_case, body, message) => {
    expect(() => parseS3EventMessage(body)).toThrow(MalformedMessageError);
    expect(() => parseS3EventMessage(body)).toThrow(message);
  });
});
