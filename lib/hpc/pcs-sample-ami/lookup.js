// A CloudFormation custom resource, run at deploy time: the id of the newest AWS PCS sample AMI
// whose name starts with the NamePrefix property. AWS publishes these AMIs (owner alias amazon)
// without an SSM parameter, so they are found by name, as AWS's own PCS recipe does
// (aws-samples/aws-hpc-recipes, recipes/pcs/getting_started/assets/cluster.yaml, PcsAMILookupFn).
// Shipped as the function's inline code: plain CommonJS, the AWS SDK from the Lambda runtime.
'use strict';
const { Buffer } = require('node:buffer');
const { URL } = require('node:url');
const http = require('node:http');
const https = require('node:https');

/** The newest image by CreationDate, or undefined. */
function newestImage(images) {
  return [...(images || [])].sort((a, b) => String(b.CreationDate).localeCompare(String(a.CreationDate)))[0];
}

async function findImageId(ec2, namePrefix) {
  const { DescribeImagesCommand } = require('@aws-sdk/client-ec2');
  const answer = await ec2.send(
    new DescribeImagesCommand({
      Owners: ['amazon'],
      Filters: [
        { Name: 'name', Values: [`${namePrefix}*`] },
        { Name: 'state', Values: ['available'] },
      ],
    }),
  );
  const image = newestImage(answer.Images);
  if (!image) throw new Error(`no available AMI owned by amazon is named ${namePrefix}*: set hpc.amiId (docs/hpc.md)`);
  return image.ImageId;
}

function respond(event, status, reason, imageId) {
  const body = JSON.stringify({
    Status: status,
    Reason: reason,
    PhysicalResourceId: imageId || event.PhysicalResourceId || 'pcs-sample-ami-not-found',
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
    Data: imageId ? { ImageId: imageId } : {},
  });
  // CloudFormation's response URL is an HTTPS presigned S3 URL; plain HTTP is for the loopback test.
  const client = new URL(event.ResponseURL).protocol === 'http:' ? http : https;
  return new Promise((resolve, reject) => {
    const request = client.request(
      event.ResponseURL,
      { method: 'PUT', headers: { 'content-length': Buffer.byteLength(body) } },
      (response) => {
        response.resume();
        response.on('end', resolve);
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}

async function handler(event, _context, ec2) {
  if (event.RequestType === 'Delete') return respond(event, 'SUCCESS', 'nothing to delete');
  try {
    const { EC2Client } = require('@aws-sdk/client-ec2');
    const imageId = await findImageId(ec2 || new EC2Client({}), event.ResourceProperties.NamePrefix);
    return await respond(event, 'SUCCESS', `newest ${event.ResourceProperties.NamePrefix}*`, imageId);
  } catch (error) {
    return respond(event, 'FAILED', String((error && error.message) || error));
  }
}

module.exports = { handler, newestImage, findImageId };
