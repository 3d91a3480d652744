// Stage-two checks of a pipeline (SPEC §4): its connection, data model and field
// transformation must exist in the workspace, and the mapping must fit the model's columns as
// discovered on the pipeline's connection. Used when a pipeline is created, updated or
// activated, and by preview (which also needs the connector and the compiled mapper).
// Contacts the warehouse; thread-safe as long as each caller passes its own catalog.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "api/http_status.h"
#include "api/services.h"
#include "catalog/definitions.h"
#include "mapping/mapper.h"
#include "warehouse/connector.h"

namespace wsync::api {

struct PreparedPipeline {
  // Bounds the connector's calls (discover here, preview's extract later) by
  // warehouse::kInteractiveDeadline; declared first so it outlives the connector.
  std::unique_ptr<core::StopToken> stop;
  catalog::Pipeline pipeline;
  catalog::DataModel model;
  std::optional<mapping::FieldTransformation> field_transformation;
  std::unique_ptr<warehouse::Connector> connector;
  std::vector<core::Column> columns;
  std::optional<mapping::Mapper> mapper;
};

// Fills `out` or returns the error answer: 400 naming the field or the mapping, 422 / 502 when
// the warehouse refuses or cannot be reached.
std::optional<Response> PreparePipeline(const Services& services, catalog::Catalog* catalog,
                                        int64_t workspace_id, const catalog::Pipeline& pipeline,
                                        PreparedPipeline* out);

// The InvalidArgument answer for `status` with every message prefixed by `prefix`.
Response PrefixedErrorResponse(const core::Status& status, const std::string& prefix);

}  // namespace wsync::api
